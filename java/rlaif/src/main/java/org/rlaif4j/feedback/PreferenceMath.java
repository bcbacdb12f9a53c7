package org.rlaif4j.feedback;

/** The arithmetic of AI preference labels and direct scores, in float64. */
public final class PreferenceMath {
    private PreferenceMath() {
    }

    /**
     * Probability of the first label token: the softmax of the two label tokens' log-probs,
     * {@code exp(lp1) / (exp(lp1) + exp(lp2))}, computed without overflow.
     */
    public static double firstOfTwo(double logProb1, double logProb2) {
        requireFinite(logProb1, "label token 1 log-prob");
        requireFinite(logProb2, "label token 2 log-prob");
        return 1.0 / (1.0 + Math.exp(logProb2 - logProb1));
    }

    /**
     * Position-swap debiasing: {@code p_a = (P(1 | A,B) + P(2 | B,A)) / 2}, where {@code pOneGivenAb}
     * is read with A shown first and {@code pTwoGivenBa} with B shown first (label 2 then names A).
     * Both are the probability that A is preferred, recorded as {@code p_a_ab} and {@code p_a_ba}.
     */
    public static double debiased(double pOneGivenAb, double pTwoGivenBa) {
        return (pOneGivenAb + pTwoGivenBa) / 2;
    }

    /** Confidence of a label: the probability of the preferred side, in [0.5, 1]. */
    public static double confidence(double pA) {
        return Math.max(pA, 1 - pA);
    }

    /**
     * Direct RLAIF: the score tokens' log-probs (token i worth i + 1) are normalised over the score
     * tokens only, the expected score {@code E = sum p_i (i + 1)} is taken and scaled linearly from
     * {@code [1, n]} to {@code [-1, 1]}: {@code reward = 2 (E - 1) / (n - 1) - 1}.
     */
    public static DirectScore directScore(double[] scoreLogProbs) {
        int n = scoreLogProbs.length;
        if (n < 2) {
            throw new IllegalArgumentException("score log-probs: expected at least 2 score tokens, found " + n);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            requireFinite(scoreLogProbs[i], "score token " + (i + 1) + " log-prob");
            max = Math.max(max, scoreLogProbs[i]);
        }
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(scoreLogProbs[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        return ofDistribution(p);
    }

    /**
     * The score of a distribution over the score tokens (token i worth i + 1) that already sums to
     * 1, such as the mean of an ensemble's distributions.
     */
    public static DirectScore ofDistribution(double[] p) {
        int n = p.length;
        if (n < 2) {
            throw new IllegalArgumentException("score distribution: expected at least 2 score tokens, found " + n);
        }
        double expected = 0;
        for (int i = 0; i < n; i++) {
            expected += p[i] * (i + 1);
        }
        return new DirectScore(2 * (expected - 1) / (n - 1) - 1, expected, p);
    }

    private static void requireFinite(double v, String what) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(what + ": expected a finite number, found " + v);
        }
    }
}
