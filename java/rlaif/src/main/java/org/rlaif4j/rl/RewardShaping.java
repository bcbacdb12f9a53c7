package org.rlaif4j.rl;

import java.util.function.UnaryOperator;

/**
 * What happens to the sequence rewards before they enter the per-token rewards, in this order:
 * a penalty subtracted from responses that hit the token budget without a stop token; whitening
 * over the batch (mean 0, unit variance); clipping to {@code [-clip, clip]}.
 *
 * @param missingStopPenalty subtracted from truncated responses' rewards; 0 = none (>= 0)
 * @param normalize          whiten the rewards over the batch
 * @param clip               clip bound (> 0), or 0 for none
 */
public record RewardShaping(double missingStopPenalty, boolean normalize, double clip) {
    public static final RewardShaping NONE = new RewardShaping(0, false, 0);

    public RewardShaping {
        if (!(missingStopPenalty >= 0) || Double.isInfinite(missingStopPenalty)) {
            throw new IllegalArgumentException("missingStopPenalty: expected a finite value >= 0, found " + missingStopPenalty);
        }
        if (!(clip >= 0) || Double.isInfinite(clip)) {
            throw new IllegalArgumentException("rewardClip: expected 0 (off) or a finite value > 0, found " + clip);
        }
    }

    /** The shaped rewards (a new array). */
    public float[] apply(float[] rewards, boolean[] truncated) {
        return apply(rewards, truncated, UnaryOperator.identity());
    }

    /**
     * The shaped rewards of this rank's rows, whitened (when {@code normalize}) with the mean and
     * variance of every rank's rows: {@code sumOverRanks} adds arrays up element-wise over the ranks
     * (each rank calls it the same number of times).
     */
    public float[] apply(float[] rewards, boolean[] truncated, UnaryOperator<double[]> sumOverRanks) {
        if (rewards.length != truncated.length) {
            throw new IllegalArgumentException("truncated: expected " + rewards.length + " flags, found " + truncated.length);
        }
        double[] r = new double[rewards.length];
        for (int i = 0; i < r.length; i++) {
            if (!Float.isFinite(rewards[i])) {
                throw new IllegalArgumentException("rewards: expected finite values, found " + rewards[i] + " at row " + i);
            }
            r[i] = rewards[i] - (truncated[i] ? missingStopPenalty : 0);
        }
        if (normalize) {
            double sum = 0;
            for (double x : r) {
                sum += x;
            }
            double[] total = sumOverRanks.apply(new double[] {sum, r.length});
            if (total[1] > 1) {
                double mean = total[0] / total[1];
                double var = 0;
                for (double x : r) {
                    var += (x - mean) * (x - mean);
                }
                double inv = 1.0 / Math.sqrt(sumOverRanks.apply(new double[] {var})[0] / (total[1] - 1) + 1e-8);
                for (int i = 0; i < r.length; i++) {
                    r[i] = (r[i] - mean) * inv;
                }
            }
        }
        float[] out = new float[r.length];
        for (int i = 0; i < r.length; i++) {
            out[i] = (float) (clip > 0 ? Math.max(-clip, Math.min(clip, r[i])) : r[i]);
        }
        return out;
    }
}
