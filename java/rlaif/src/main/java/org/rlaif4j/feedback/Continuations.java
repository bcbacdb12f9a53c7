package org.rlaif4j.feedback;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.rlaif4j.model.tokenizer.Tokenizer;

/**
 * The token ids of candidate continuations (label or score tokens) after an ending, and the
 * arithmetic that turns next-token log-probs along them into one log-prob per candidate.
 *
 * <p>Ids are found by difference: {@code encode(ending + candidate)} less the common prefix
 * {@code encode(ending)}, since a BPE tokenizer encodes {@code "1"} alone differently from
 * {@code "1"} after {@code "="} (SentencePiece adds a leading {@code "▁"}; byte-level BPE merges
 * a preceding space). When {@code encode(ending)} is not a prefix of {@code encode(ending +
 * candidate)} the candidate merges with the end of the ending and cannot be read after it.
 *
 * <p>A candidate of several tokens is scored teacher-forced: the sum of the log-probs of its
 * tokens. When a candidate's tokens are a proper prefix of another's ({@code "1"} of
 * {@code "1" "0"} for "10" on a tokenizer that splits digits), the shorter one counts only where
 * the model does not go on towards the longer one: its probability is multiplied by
 * {@code 1 - sum P(next token of a longer candidate | prefix)} (floored at {@link #MIN_STOP}), so
 * scores 1 and 10 are never merged.
 *
 * @param sequences each candidate's token ids after the ending, in order
 * @param prefixes  the distinct proper prefixes of the sequences (the empty one first): the
 *                  positions whose next-token log-probs are needed
 * @param columns   every token id read at some prefix, sorted and distinct
 */
record Continuations(List<long[]> sequences, List<List<Long>> prefixes, long[] columns) {
    /** Smallest probability of stopping after a candidate that others extend. */
    static final double MIN_STOP = 1e-30;

    /** Next-token log-probs of one prompt: {@code logProb(prefix index, token id)}. */
    interface Reader {
        double logProb(int prefix, long token);
    }

    /**
     * The candidates' ids after {@code ending}; each must be non-empty, distinct from the others
     * and, when {@code single}, one token.
     *
     * @param what   how messages name a candidate ("label token", "score token")
     * @param source how messages name the tokenizer
     */
    static Continuations of(Tokenizer tokenizer, String ending, List<String> candidates, boolean single, String what,
                            String source) {
        long[] base = tokenizer.encode(ending);
        List<long[]> seqs = new ArrayList<>(candidates.size());
        Map<List<Long>, String> seen = new HashMap<>();
        for (String c : candidates) {
            long[] full = tokenizer.encode(ending + c);
            int common = 0;
            while (common < base.length && common < full.length && base[common] == full[common]) {
                common++;
            }
            if (common < base.length) {
                throw new IllegalArgumentException(what + " '" + c + "': expected the ending '" + ending + "' "
                        + Arrays.toString(base) + " to stay a prefix of ending + token, found "
                        + Arrays.toString(full) + " with the labeler's tokenizer (" + source + "): the token merges "
                        + "with the end of the ending (trailing whitespace?); change the ending or the token in the "
                        + "constitution");
            }
            long[] ids = Arrays.copyOfRange(full, base.length, full.length);
            if (ids.length == 0 || (single && ids.length != 1)) {
                throw new IllegalArgumentException(what + " '" + c + "': expected a single token of the labeler's "
                        + "tokenizer (" + source + ") after the ending '" + ending + "', found " + ids.length
                        + " tokens " + Arrays.toString(ids) + "; choose tokens the tokenizer keeps whole (set them "
                        + "in the constitution)");
            }
            String before = seen.put(asList(ids), c);
            if (before != null) {
                throw new IllegalArgumentException(what + "s '" + before + "' and '" + c + "': expected distinct "
                        + "token ids after the ending, found both " + Arrays.toString(ids) + " (" + source + ")");
            }
            seqs.add(ids);
        }
        Set<List<Long>> prefixes = new LinkedHashSet<>();
        Set<Long> columns = new TreeSet<>();
        prefixes.add(List.of());
        for (long[] s : seqs) {
            for (int j = 0; j < s.length; j++) {
                prefixes.add(asList(Arrays.copyOf(s, j)));
                columns.add(s[j]);
            }
        }
        return new Continuations(List.copyOf(seqs), List.copyOf(prefixes),
                columns.stream().mapToLong(Long::longValue).toArray());
    }

    /** The index of {@code prefix} in {@link #prefixes()}, or -1 when no candidate continues past it. */
    int prefixIndex(List<Long> prefix) {
        return prefixes.indexOf(prefix);
    }

    /** The log-prob of each candidate, from one prompt's next-token log-probs at every prefix. */
    double[] logProbs(Reader lp) {
        double[] out = new double[sequences.size()];
        for (int c = 0; c < out.length; c++) {
            long[] s = sequences.get(c);
            double sum = 0;
            for (int j = 0; j < s.length; j++) {
                sum += lp.logProb(prefixIndex(asList(Arrays.copyOf(s, j))), s[j]);
            }
            int self = prefixIndex(asList(s));
            if (self >= 0) { // longer candidates go on from here: count only the mass that stops
                Set<Long> next = new LinkedHashSet<>();
                for (long[] o : sequences) {
                    if (o.length > s.length && Arrays.equals(o, 0, s.length, s, 0, s.length)) {
                        next.add(o[s.length]);
                    }
                }
                double goOn = 0;
                for (long t : next) {
                    goOn += Math.exp(lp.logProb(self, t));
                }
                sum += Math.log(Math.max(1 - goOn, MIN_STOP));
            }
            out[c] = sum;
        }
        return out;
    }

    private static List<Long> asList(long[] ids) {
        return Arrays.stream(ids).boxed().toList();
    }
}
