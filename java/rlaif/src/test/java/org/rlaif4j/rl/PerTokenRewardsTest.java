package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.model.Ops;

class PerTokenRewardsTest {
    private static final int B = 3;
    private static final int N = 5;
    private static final int[] LENGTHS = {5, 2, 1}; // valid tokens per row: full, padded, a single token

    private static double klRef(double logp, double ref, KlEstimator e) {
        double d = ref - logp;
        return switch (e) {
            case K1 -> -d;
            case K2 -> 0.5 * d * d;
            case K3 -> Math.exp(d) - d - 1;
        };
    }

    @Test
    void klPenaltyAtEveryTokenAndTheScoreAtTheLastValidOneMatchFloat64() {
        Random rng = new Random(3);
        float[] logp = new float[B * N];
        float[] ref = new float[B * N];
        boolean[] mask = new boolean[B * N];
        for (int i = 0; i < B * N; i++) {
            logp[i] = (float) (-0.2 - 2 * rng.nextDouble());
            ref[i] = (float) (logp[i] + rng.nextGaussian() * 0.7);
            mask[i] = i % N < LENGTHS[i / N];
        }
        float[] scores = {1.5f, -0.25f, 3f};
        double beta = 0.3;
        for (KlEstimator e : KlEstimator.values()) {
            PerTokenRewards.Result r = PerTokenRewards.compute(Tensors.fromFloats(logp, B, N), Tensors.fromFloats(ref, B, N),
                    Tensors.fromMask(mask, B, N), scores, beta, e);
            float[] rewards = Ops.toFloats(r.rewards());
            float[] kl = Ops.toFloats(r.kl());
            for (int i = 0; i < B * N; i++) {
                int row = i / N;
                int col = i % N;
                double k = mask[i] ? klRef(logp[i], ref[i], e) : 0;
                double expected = -beta * k + (col == LENGTHS[row] - 1 ? scores[row] : 0);
                assertEquals(k, kl[i], 1e-5, e + " kl at [" + row + ", " + col + "]");
                assertEquals(expected, rewards[i], 1e-5, e + " reward at [" + row + ", " + col + "]");
            }
        }
    }

    @Test
    void zeroBetaLeavesOnlyTheSequenceRewardAndAnEmptyRowIsRejected() {
        Tensor lp = Tensors.fromFloats(new float[] {-1, -2, -3, -4}, 2, 2);
        Tensor ref = Tensors.fromFloats(new float[] {-2, -2, -1, -9}, 2, 2);
        PerTokenRewards.Result r = PerTokenRewards.compute(lp, ref, Tensors.fromMask(new boolean[] {true, true, true, false}, 2, 2),
                new float[] {7, 9}, 0.0, KlEstimator.K1);
        assertArrayEquals(new float[] {0, 7, 9, 0}, Ops.toFloats(r.rewards()), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> PerTokenRewards.compute(lp, ref,
                Tensors.fromMask(new boolean[] {true, true, false, false}, 2, 2), new float[] {1, 2}, 0.1, KlEstimator.K1));
        assertThrows(IllegalArgumentException.class, () -> PerTokenRewards.compute(lp, ref,
                Tensors.fromMask(new boolean[] {true, true, true, true}, 2, 2), new float[] {1}, 0.1, KlEstimator.K1));
    }

    @Test
    void shapingPenalisesTruncatedResponsesThenNormalisesThenClips() {
        float[] raw = {0.5f, 1.0f, -0.5f, 2.0f};
        boolean[] truncated = {false, true, false, true};
        assertArrayEquals(new float[] {0.5f, 0f, -0.5f, 1f}, new RewardShaping(1.0, false, 0).apply(raw, truncated), 1e-6f);
        float[] norm = new RewardShaping(1.0, true, 0).apply(raw, truncated);
        double mean = 0;
        for (float v : norm) {
            mean += v / 4.0;
        }
        double var = 0;
        for (float v : norm) {
            var += (v - mean) * (v - mean) / 3.0;
        }
        assertEquals(0.0, mean, 1e-6);
        assertEquals(1.0, var, 1e-5);
        // (0.5 - 0.25) / std, std of {0.5, 0, -0.5, 1} = sqrt(0.41667)
        assertEquals(0.25 / Math.sqrt(0.4166667), norm[0], 1e-5);
        assertArrayEquals(new float[] {0.3f, 0f, -0.3f, 0.3f}, new RewardShaping(1.0, false, 0.3).apply(raw, truncated), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> RewardShaping.NONE.apply(new float[] {Float.NaN}, new boolean[1]));
        assertThrows(IllegalArgumentException.class, () -> new RewardShaping(-1, false, 0));
    }
}
