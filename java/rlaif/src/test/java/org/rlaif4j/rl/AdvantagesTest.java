package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.model.Ops;

/** The advantage estimators against float64 references written from their papers' formulas, on fresh random inputs. */
class AdvantagesTest {
    private static final long SEED = Long.getLong("rlaif.test.seed", System.nanoTime());
    private static final int K = 3;
    private static final int B = 6;
    private static final int N = 7;

    private record Batch(float[] logp, float[] ref, boolean[] mask, int[] lengths, float[] rewards) {}

    private static Batch batch(Random rng) {
        float[] logp = new float[B * N];
        float[] ref = new float[B * N];
        boolean[] mask = new boolean[B * N];
        int[] lengths = new int[B];
        float[] rewards = new float[B];
        for (int i = 0; i < B; i++) {
            lengths[i] = i == 0 ? 1 : i == 1 ? N : 1 + rng.nextInt(N); // edge rows: one token, the full width
            rewards[i] = (float) rng.nextGaussian();
            for (int t = 0; t < N; t++) {
                logp[i * N + t] = (float) (-1 - rng.nextDouble());
                ref[i * N + t] = (float) (logp[i * N + t] + 0.3 * rng.nextGaussian());
                mask[i * N + t] = t < lengths[i];
            }
        }
        return new Batch(logp, ref, mask, lengths, rewards);
    }

    private static double[] run(PpoTrainingConfig cfg, Batch x, double beta) {
        try (PointerScope scope = new PointerScope()) {
            Tensor mask = Tensors.fromMask(x.mask(), B, N);
            Advantages.Result r = Advantages.compute(cfg, x.rewards(), Tensors.fromFloats(x.logp(), B, N),
                    Tensors.fromFloats(x.ref(), B, N), null, mask, x.lengths(), beta, false,
                    new RankStats(DataParallel.single()));
            float[] a = Ops.toFloats(r.advantages().contiguous().view(-1));
            double[] out = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = a[i];
            }
            return out;
        }
    }

    private static PpoTrainingConfig.Builder cfg(AdvantageMode mode) {
        return PpoTrainingConfig.builder().rollout(B / K, K, N).update(1, B, 1).advantageMode(mode)
                .kl(KlEstimator.K1, 0.1).gae(0.9, 0.95);
    }

    /** REINFORCE++: r_t = -beta k1_t + [t last] R, A_t = sum_{s >= t} gamma^(s-t) r_s, whitened over valid tokens. */
    private static double[] reinforce(Batch x, double[] seqReward, double beta, double gamma, boolean whiten) {
        double[] a = new double[B * N];
        for (int i = 0; i < B; i++) {
            double g = 0;
            for (int t = x.lengths()[i] - 1; t >= 0; t--) {
                double kl = x.logp()[i * N + t] - x.ref()[i * N + t]; // k1 = -(ref - logp)
                double r = -beta * kl + (t == x.lengths()[i] - 1 ? seqReward[i] : 0);
                g = r + gamma * g;
                a[i * N + t] = g;
            }
        }
        return whiten ? whitenTokens(a, x) : a;
    }

    private static double[] whitenTokens(double[] a, Batch x) {
        double sum = 0;
        int n = 0;
        for (int j = 0; j < a.length; j++) {
            if (x.mask()[j]) {
                sum += a[j];
                n++;
            }
        }
        double mean = sum / n;
        double var = 0;
        for (int j = 0; j < a.length; j++) {
            if (x.mask()[j]) {
                var += (a[j] - mean) * (a[j] - mean);
            }
        }
        double inv = 1 / Math.sqrt(var / (n - 1) + 1e-8);
        double[] out = new double[a.length];
        for (int j = 0; j < a.length; j++) {
            out[j] = x.mask()[j] ? (a[j] - mean) * inv : 0;
        }
        return out;
    }

    private static double[] groupCentred(float[] r) {
        double[] out = new double[r.length];
        for (int g = 0; g < r.length; g += K) {
            double mean = 0;
            for (int j = 0; j < K; j++) {
                mean += r[g + j];
            }
            mean /= K;
            for (int j = 0; j < K; j++) {
                out[g + j] = r[g + j] - mean;
            }
        }
        return out;
    }

    private static double[] perRow(double[] rowValue, Batch x) {
        double[] out = new double[B * N];
        for (int j = 0; j < out.length; j++) {
            out[j] = x.mask()[j] ? rowValue[j / N] : 0;
        }
        return out;
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual[j], 2e-5 * (1 + Math.abs(expected[j])), what + " at " + (j / N) + "," + (j % N)
                    + " (seed " + SEED + ")");
        }
    }

    @ParameterizedTest
    @EnumSource(value = AdvantageMode.class, names = {"REINFORCE_PP", "REINFORCE_PP_BASELINE"})
    void reinforcePlusPlusIsTheDiscountedReturnNormalisedOverTheBatchsTokens(AdvantageMode mode) {
        Batch x = batch(new Random(SEED));
        double[] r = new double[B];
        for (int i = 0; i < B; i++) {
            r[i] = x.rewards()[i];
        }
        double[] seq = mode == AdvantageMode.REINFORCE_PP ? r : groupCentred(x.rewards());
        assertClose(reinforce(x, seq, 0.1, 0.9, true), run(cfg(mode).build(), x, 0.1), mode + " (whitened, the default)");
        assertClose(reinforce(x, seq, 0.1, 0.9, false), run(cfg(mode).whitening(AdvantageWhitening.NONE).build(), x, 0.1),
                mode + " without whitening");
    }

    @ParameterizedTest
    @EnumSource(value = AdvantageMode.class, names = {"DR_GRPO", "RLOO", "GRPO"})
    void groupModesAreNotWhitenedByDefault(AdvantageMode mode) {
        Batch x = batch(new Random(SEED + 1));
        double[] got = run(cfg(mode).build(), x, 0.1);
        double[] row = switch (mode) {
            case DR_GRPO -> groupCentred(x.rewards());
            case GRPO -> {
                float[] g = GroupAdvantages.grpo(x.rewards(), K, Advantages.GRPO_EPS);
                double[] d = new double[B];
                for (int i = 0; i < B; i++) {
                    d[i] = g[i];
                }
                yield d;
            }
            default -> { // RLOO on R - beta * sum_t k1_t
                float[] pen = new float[B];
                for (int i = 0; i < B; i++) {
                    double kl = 0;
                    for (int t = 0; t < x.lengths()[i]; t++) {
                        kl += x.logp()[i * N + t] - x.ref()[i * N + t];
                    }
                    pen[i] = (float) (x.rewards()[i] - 0.1 * kl);
                }
                double[] d = new double[B];
                for (int g = 0; g < B; g += K) {
                    double s = 0;
                    for (int j = 0; j < K; j++) {
                        s += pen[g + j];
                    }
                    for (int j = 0; j < K; j++) {
                        d[g + j] = pen[g + j] - (s - pen[g + j]) / (K - 1);
                    }
                }
                yield d;
            }
        };
        assertClose(perRow(row, x), got, mode + " (not whitened)");
    }

    @org.junit.jupiter.api.Test
    void sequenceWhiteningCountsEachRowOnceWhateverItsLength() {
        Batch x = batch(new Random(SEED + 2));
        double[] rloo = run(cfg(AdvantageMode.RLOO).build(), x, 0.0);
        double[] row = new double[B];
        for (int i = 0; i < B; i++) {
            row[i] = rloo[i * N];
        }
        double mean = 0;
        for (double v : row) {
            mean += v / B;
        }
        double var = 0;
        for (double v : row) {
            var += (v - mean) * (v - mean) / (B - 1);
        }
        double[] want = new double[B];
        for (int i = 0; i < B; i++) {
            want[i] = (row[i] - mean) / Math.sqrt(var + 1e-8);
        }
        assertClose(perRow(want, x), run(cfg(AdvantageMode.RLOO).whitening(AdvantageWhitening.SEQUENCE).build(), x, 0.0),
                "RLOO, sequence whitening");
        // token whitening weights long rows more, so it differs from sequence whitening on rows of unequal length
        double[] token = run(cfg(AdvantageMode.RLOO).whitening(AdvantageWhitening.TOKEN).build(), x, 0.0);
        assertClose(whitenTokens(rloo, x), token, "RLOO, token whitening");
        assertNotEquals(token[0], perRow(want, x)[0], 1e-4);
    }
}
