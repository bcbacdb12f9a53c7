package org.rlaif4j.feedback;

import java.util.function.ToIntFunction;
import org.rlaif4j.data.PairRecord;

/**
 * Fits a pair into a labeler's context under a {@link TooLongPolicy}. Lengths come from a
 * function of the whole pair (the longest prompt built from it), so every order and principle
 * of one comparison sees the same shortened texts and debiasing stays fair.
 */
final class Truncation {
    static final String MARK = "...";

    /** The pair as it will be shown, and whether it was shortened. */
    record Fitted(PairRecord pair, boolean truncated) {
    }

    private Truncation() {
    }

    /**
     * @param promptTokens tokens of the longest prompt built from a pair
     * @param budget       the most tokens such a prompt may have
     * @param budgetNote   how the budget was derived, for the error message
     */
    static Fitted fit(PairRecord pair, ToIntFunction<PairRecord> promptTokens, int budget, TooLongPolicy policy,
                      String budgetNote) {
        int full = promptTokens.applyAsInt(pair);
        if (full <= budget) {
            return new Fitted(pair, false);
        }
        if (policy == TooLongPolicy.FAIL) {
            throw new IllegalArgumentException("pair '" + pair.id() + "': the labeling prompt is " + full
                    + " tokens but at most " + budget + " fit (" + budgetNote + "); shorten the pair or let the "
                    + "labeler truncate it (--too-long truncate)");
        }
        String ctx = pair.prompt().asText(); // the labeling prompt quotes the conversation as text
        // smallest number of leading context characters to drop
        int lo = 1;
        int hi = ctx.length();
        if (fits(withContext(pair, dropStart(ctx, hi)), promptTokens, budget)) {
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (fits(withContext(pair, dropStart(ctx, mid)), promptTokens, budget)) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return new Fitted(withContext(pair, dropStart(ctx, lo)), true);
        }
        // the context alone cannot make room: cut both responses to the longest common length that fits
        PairRecord noContext = withContext(pair, dropStart(ctx, ctx.length()));
        int keepLo = 0;
        int keepHi = Math.max(pair.responseA().length(), pair.responseB().length());
        if (!fits(keepResponses(noContext, 0), promptTokens, budget)) {
            throw new IllegalArgumentException("pair '" + pair.id() + "': even with the context and responses cut "
                    + "away the labeling prompt is " + promptTokens.applyAsInt(keepResponses(noContext, 0))
                    + " tokens but at most " + budget + " fit (" + budgetNote + "); the constitution's preamble, "
                    + "principles and exemplars are too long for this labeler");
        }
        while (keepLo < keepHi) {
            int mid = (keepLo + keepHi + 1) >>> 1;
            if (fits(keepResponses(noContext, mid), promptTokens, budget)) {
                keepLo = mid;
            } else {
                keepHi = mid - 1;
            }
        }
        return new Fitted(keepResponses(noContext, keepLo), true);
    }

    private static boolean fits(PairRecord p, ToIntFunction<PairRecord> promptTokens, int budget) {
        return promptTokens.applyAsInt(p) <= budget;
    }

    private static PairRecord withContext(PairRecord p, String ctx) {
        return new PairRecord(p.id(), ctx, p.responseA(), p.responseB());
    }

    private static PairRecord keepResponses(PairRecord p, int chars) {
        return new PairRecord(p.id(), p.prompt(), keepStart(p.responseA(), chars), keepStart(p.responseB(), chars));
    }

    /** The text without its first {@code n} characters, marked; never splits a surrogate pair. */
    static String dropStart(String s, int n) {
        if (n <= 0) {
            return s;
        }
        if (n < s.length() && Character.isLowSurrogate(s.charAt(n))) {
            n++;
        }
        return MARK + s.substring(Math.min(n, s.length()));
    }

    /** The first {@code n} characters, marked when cut; never splits a surrogate pair. */
    static String keepStart(String s, int n) {
        if (s.length() <= n) {
            return s;
        }
        if (n > 0 && Character.isHighSurrogate(s.charAt(n - 1))) {
            n--;
        }
        return s.substring(0, n) + MARK;
    }
}
