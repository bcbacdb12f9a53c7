package org.rlaif4j.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.PreferenceRecord;

/**
 * AI-labeler alignment: the fraction of pairs where the AI's preference ({@code p_a > 0.5} means
 * A) agrees with the human label.
 *
 * <p>Matching: by {@code id} when every record of both files has one, else by the text
 * (prompt, response A, response B); a human record with A and B the other way round matches too,
 * its label flipped. Every AI record must find a human one (else an error listing the first
 * unmatched, unless {@code allowUnmatched}); human records may be a superset. Two human records
 * with the same key are an error (the answer would depend on which one is taken).
 *
 * <p>Ties: an AI {@code p_a == 0.5} states no preference; such pairs are reported as
 * {@code aiTies} and left out of {@code alignment} (agree / (agree + disagree)).
 * {@code alignmentTiesAsHalf} counts them as half agreeing, over all decided human pairs. Pairs whose
 * human label is 0.5 cannot be agreed with and are only counted ({@code humanTies}).
 */
public final class Alignment {
    private Alignment() {}

    /**
     * @param agree          AI and human prefer the same response
     * @param disagree       they prefer different ones
     * @param aiTies         AI p_a == 0.5 on a pair with a decided human label
     * @param humanTies      human label 0.5 (left out of everything else)
     * @param unmatched      AI records with no human counterpart (0 unless allowed)
     * @param humanUnused    human records no AI record matched
     * @param matchedBy      "id" or "text"
     * @param alignment      agree / (agree + disagree), NaN when both are 0
     * @param interval       95% Wilson interval of {@code alignment}
     * @param alignmentTiesAsHalf (agree + aiTies / 2) / (agree + disagree + aiTies)
     */
    public record Result(String aiSource, String humanSource, int agree, int disagree, int aiTies, int humanTies,
                         int unmatched, int humanUnused, String matchedBy, double alignment, Interval interval,
                         double alignmentTiesAsHalf, int skippedLines) implements EvalResult {
        @Override
        public String metric() {
            return "alignment";
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = Jsonl.mapper().createObjectNode();
            o.put("metric", metric());
            o.put("ai", aiSource).put("human", humanSource).put("matched_by", matchedBy);
            EvalReport.put(o, "alignment", alignment);
            EvalReport.putInterval(o, "ci95", interval);
            EvalReport.put(o, "alignment_ties_as_half", alignmentTiesAsHalf);
            o.put("agree", agree).put("disagree", disagree).put("ai_ties", aiTies).put("human_ties", humanTies);
            o.put("unmatched", unmatched).put("human_unused", humanUnused).put("skipped_lines", skippedLines);
            o.put("tie_rule", "AI p_a == 0.5 is a tie: left out of alignment; alignment_ties_as_half counts it as 1/2");
            return o;
        }

        @Override
        public String toMarkdown() {
            return EvalReport.table("AI-labeler alignment with human labels", new String[][] {
                {"AI labels", aiSource}, {"human labels", humanSource}, {"matched by", matchedBy},
                {"alignment (AI ties excluded)", EvalReport.pct(alignment)}, {"95% CI (Wilson)", EvalReport.ci(interval)},
                {"alignment, AI ties as 1/2", EvalReport.pct(alignmentTiesAsHalf)},
                {"agree / disagree", agree + " / " + disagree}, {"AI ties (p_a = 0.5)", Integer.toString(aiTies)},
                {"human ties (left out)", Integer.toString(humanTies)}, {"unmatched AI records", Integer.toString(unmatched)},
                {"unused human records", Integer.toString(humanUnused)}, {"skipped bad lines", Integer.toString(skippedLines)}});
        }
    }

    /** Compares AI labels with human labels; see the class comment for matching and ties. */
    public static Result compute(String aiSource, List<LabeledPair> ai, String humanSource, List<LabeledPair> human,
                                 boolean allowUnmatched, int skippedLines) {
        if (ai.isEmpty()) {
            throw new IllegalArgumentException(aiSource + ": no AI-labeled pairs to evaluate");
        }
        boolean byId = ai.stream().allMatch(p -> p.explicitId() != null) && human.stream().allMatch(p -> p.explicitId() != null);
        Map<List<String>, LabeledPair> index = new HashMap<>();
        for (LabeledPair h : human) {
            LabeledPair prev = index.put(key(h, byId), h);
            if (prev != null) {
                throw new DataFormatException(h.origin() + ": duplicate human record (same " + (byId ? "id" : "prompt and responses")
                        + " as " + prev.origin() + ")");
            }
        }
        int agree = 0;
        int disagree = 0;
        int aiTies = 0;
        int humanTies = 0;
        Set<LabeledPair> used = new HashSet<>();
        List<String> unmatched = new ArrayList<>();
        for (LabeledPair a : ai) {
            LabeledPair h = index.get(key(a, byId));
            boolean swapped = false;
            if (h == null && !byId) {
                h = index.get(swappedKey(a));
                swapped = h != null;
            }
            if (h == null) {
                unmatched.add(a.origin());
                continue;
            }
            if (byId) {
                swapped = checkSamePair(a, h);
            }
            used.add(h);
            double humanP = swapped ? 1 - h.record().pA() : h.record().pA();
            double aiP = a.record().pA();
            if (humanP == 0.5) {
                humanTies++;
            } else if (aiP == 0.5) {
                aiTies++;
            } else if ((aiP > 0.5) == (humanP > 0.5)) {
                agree++;
            } else {
                disagree++;
            }
        }
        if (!unmatched.isEmpty() && !allowUnmatched) {
            throw new DataFormatException(unmatched.size() + " AI record(s) have no human counterpart (matched by "
                    + (byId ? "id" : "prompt, response_a and response_b") + "), first: "
                    + unmatched.subList(0, Math.min(5, unmatched.size())) + "; use --allow-unmatched to skip them");
        }
        int decided = agree + disagree;
        return new Result(aiSource, humanSource, agree, disagree, aiTies, humanTies, unmatched.size(),
                human.size() - used.size(), byId ? "id" : "text", decided == 0 ? Double.NaN : (double) agree / decided,
                Interval.wilson95(agree, decided),
                decided + aiTies == 0 ? Double.NaN : (agree + aiTies / 2.0) / (decided + aiTies), skippedLines);
    }

    private static List<String> key(LabeledPair p, boolean byId) {
        PreferenceRecord r = p.record();
        return byId ? List.of(p.explicitId()) : List.of(r.prompt().key(), r.responseA(), r.responseB());
    }

    private static List<String> swappedKey(LabeledPair p) {
        return List.of(p.record().prompt().key(), p.record().responseB(), p.record().responseA());
    }

    /** For records matched by id: true when A and B are swapped; an error when they are different pairs. */
    private static boolean checkSamePair(LabeledPair ai, LabeledPair human) {
        PreferenceRecord a = ai.record();
        PreferenceRecord h = human.record();
        if (a.prompt().equals(h.prompt()) && a.responseA().equals(h.responseA()) && a.responseB().equals(h.responseB())) {
            return false;
        }
        if (a.prompt().equals(h.prompt()) && a.responseA().equals(h.responseB()) && a.responseB().equals(h.responseA())) {
            return true;
        }
        throw new DataFormatException(ai.origin() + ": id '" + ai.explicitId() + "' matches " + human.origin()
                + " but the prompt or responses differ");
    }
}
