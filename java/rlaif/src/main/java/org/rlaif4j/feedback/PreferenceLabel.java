package org.rlaif4j.feedback;

import java.util.List;

/**
 * A soft AI preference for one pair.
 *
 * @param pA          probability that response A is preferred (debiased when both orders were read)
 * @param pAAb        that probability read with A shown first: {@code P(1 | A,B)}
 * @param pABa        read with B shown first: {@code P(2 | B,A)}; NaN when position swapping is off
 * @param principles  names of the principles that judged the pair
 * @param rationale   chain-of-thought rationale with A shown first, or null
 * @param rationaleBa rationale with B shown first, or null
 * @param truncated   whether the pair was shortened to fit the labeler's context
 */
public record PreferenceLabel(double pA, double pAAb, double pABa, List<String> principles, String rationale,
                              String rationaleBa, boolean truncated) {
    public PreferenceLabel {
        principles = List.copyOf(principles);
        if (!(pA >= 0 && pA <= 1)) {
            throw new IllegalArgumentException("p_a: expected a probability in [0, 1], found " + pA);
        }
    }

    /** Both orders prefer the same response (true when only one order was read). */
    public boolean ordersAgree() {
        return Double.isNaN(pABa) || (pAAb >= 0.5) == (pABa >= 0.5);
    }

    /** Probability of the preferred side, in [0.5, 1]. */
    public double confidence() {
        return PreferenceMath.confidence(pA);
    }
}
