package org.rlaif4j.feedback;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.PreferenceRecord;

/**
 * Summary of a labeled set, for people overseeing the AI labeler.
 *
 * @param count               labels
 * @param bothOrders          labels read in both orders (the next two fields are over these; NaN when none)
 * @param positionConsistency fraction of those whose two orders prefer the same response
 * @param meanPositionBias    mean {@code |p_a_ab - p_a_ba|}: how much the order shown moved the label
 * @param meanConfidence      mean {@code max(p_a, 1 - p_a)}
 * @param review              labels flagged for review: orders disagree, or confidence below {@code reviewBelow}
 */
public record LabelReport(int count, int bothOrders, double positionConsistency, double meanPositionBias,
                          double meanConfidence, int review, double reviewBelow) {

    public static LabelReport of(List<PreferenceRecord> labels, double reviewBelow) {
        int both = 0;
        int agree = 0;
        int review = 0;
        double bias = 0;
        double conf = 0;
        for (PreferenceRecord r : labels) {
            if (!Double.isNaN(r.pAAb()) && !Double.isNaN(r.pABa())) {
                both++;
                agree += r.ordersAgree() ? 1 : 0;
                bias += Math.abs(r.pAAb() - r.pABa());
            }
            conf += PreferenceMath.confidence(r.pA());
            review += reviewReason(r, reviewBelow) != null ? 1 : 0;
        }
        int n = labels.size();
        return new LabelReport(n, both, both == 0 ? Double.NaN : (double) agree / both,
                both == 0 ? Double.NaN : bias / both, n == 0 ? Double.NaN : conf / n, review, reviewBelow);
    }

    /** Why a label needs a person's look, or null when it does not. */
    public static String reviewReason(PreferenceRecord r, double reviewBelow) {
        if (!r.ordersAgree()) {
            return String.format(Locale.ROOT, "orders disagree (p_a_ab %.3f, p_a_ba %.3f)", r.pAAb(), r.pABa());
        }
        double c = PreferenceMath.confidence(r.pA());
        if (c < reviewBelow) {
            return String.format(Locale.ROOT, "confidence %.3f below %.3f", c, reviewBelow);
        }
        return null;
    }

    /** The report as JSON; statistics over no labels are null. */
    public ObjectNode toJson() {
        ObjectNode o = Jsonl.mapper().createObjectNode();
        o.put("count", count);
        o.put("both_orders", bothOrders);
        putMaybe(o, "position_consistency", positionConsistency);
        putMaybe(o, "mean_position_bias", meanPositionBias);
        putMaybe(o, "mean_confidence", meanConfidence);
        o.put("review", review);
        o.put("review_below", reviewBelow);
        return o;
    }

    private static void putMaybe(ObjectNode o, String field, double v) {
        if (Double.isNaN(v)) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }
}
