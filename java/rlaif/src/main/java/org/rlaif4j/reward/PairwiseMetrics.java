package org.rlaif4j.reward;

/**
 * How well reward gaps {@code d = r_a - r_b} agree with preference labels {@code p_a}.
 *
 * @param pairs          number of pairs scored
 * @param accuracy       fraction of decided pairs (label {@code p_a != 0.5}) where the reward model
 *                       prefers the label's response ({@code d > 0} when {@code p_a > 0.5},
 *                       {@code d < 0} when {@code p_a < 0.5}); a reward tie {@code d == 0} counts
 *                       as wrong. NaN when no pair is decided.
 * @param undecidedLabels pairs with {@code p_a == 0.5}, left out of the accuracy
 * @param meanLoss       mean soft-label loss (unweighted)
 * @param ece            expected calibration error of σ(d) against the soft labels, see {@link #ece}
 * @param eceBins        number of equal-width bins used for the ECE
 */
public record PairwiseMetrics(int pairs, double accuracy, int undecidedLabels, double meanLoss, double ece,
                              int eceBins) {

    /** Metrics of reward gaps {@code d[i]} against labels {@code pA[i]}, with {@code bins} ECE bins. */
    public static PairwiseMetrics of(double[] d, double[] pA, int bins) {
        if (d.length != pA.length) {
            throw new IllegalArgumentException("d and pA: expected equal lengths, found " + d.length + " and " + pA.length);
        }
        int decided = 0;
        int correct = 0;
        double loss = 0;
        double[] q = new double[d.length];
        for (int i = 0; i < d.length; i++) {
            q[i] = SoftLabelLoss.sigmoid(d[i]);
            loss += SoftLabelLoss.reference(d[i], 0, pA[i]);
            if (pA[i] != 0.5) {
                decided++;
                if (pA[i] > 0.5 ? d[i] > 0 : d[i] < 0) {
                    correct++;
                }
            }
        }
        return new PairwiseMetrics(d.length, decided == 0 ? Double.NaN : (double) correct / decided,
                d.length - decided, d.length == 0 ? Double.NaN : loss / d.length, ece(q, pA, bins), bins);
    }

    /**
     * Expected calibration error of predicted probabilities {@code q} against soft labels {@code p}:
     * {@code sum_b (n_b / N) * |mean(q in b) - mean(p in b)|} over {@code bins} equal-width bins of
     * q, bin {@code b} holding {@code b/bins <= q < (b+1)/bins} (the last bin also holds q = 1).
     * Against hard labels this is the usual ECE; against soft labels each bin compares the mean
     * predicted probability with the mean label probability. NaN for no pairs.
     */
    public static double ece(double[] q, double[] p, int bins) {
        if (bins < 1) {
            throw new IllegalArgumentException("bins: expected >= 1, found " + bins);
        }
        if (q.length != p.length) {
            throw new IllegalArgumentException("q and p: expected equal lengths, found " + q.length + " and " + p.length);
        }
        if (q.length == 0) {
            return Double.NaN;
        }
        double[] sumQ = new double[bins];
        double[] sumP = new double[bins];
        int[] count = new int[bins];
        for (int i = 0; i < q.length; i++) {
            if (!(q[i] >= 0 && q[i] <= 1)) {
                throw new IllegalArgumentException("q[" + i + "]: expected a probability in [0, 1], found " + q[i]);
            }
            int b = Math.min(bins - 1, (int) Math.floor(q[i] * bins));
            sumQ[b] += q[i];
            sumP[b] += p[i];
            count[b]++;
        }
        double ece = 0;
        for (int b = 0; b < bins; b++) {
            if (count[b] > 0) {
                ece += Math.abs(sumQ[b] - sumP[b]) / q.length; // (n_b/N) * |mean q - mean p|
            }
        }
        return ece;
    }
}
