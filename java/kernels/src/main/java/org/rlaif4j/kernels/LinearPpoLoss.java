package org.rlaif4j.kernels;

import static org.rlaif4j.kernels.LogProbsKernel.ptr;
import static org.rlaif4j.kernels.TensorChecks.*;

import java.util.Locale;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * The PPO loss straight from the policy's hidden states and LM head, in chunks of whole rows:
 * each chunk's logits come from a libtorch matmul, its log-probs (and entropy) from the log-prob
 * kernel, its PPO loss and d loss / d log-probs from the fused PPO kernel, and at once d loss /
 * d logits, then d hidden and d lmHead. The gradient of a token depends only on that token and
 * on batch totals known from the mask, so nothing is recomputed and no chunk's logits outlive
 * it: peak extra memory is about 2 * chunk tokens * V elements.
 *
 * <p>Same options and statistics as {@link PpoLoss}; the result equals {@code
 * LogProbs.fromHidden} followed by {@code PpoLoss.compute} (with the head's entropy as the
 * entropy input) and both backwards, to float32 rounding. Each chunk runs the PPO kernel with the
 * chunk's own aggregation normaliser, rescaled to the batch's (N or R tokens / rows: the loss
 * and gradients are linear in it); statistics are merged with their token counts. Chunks hold
 * whole rows, so GSPO's per-row ratio is computed within one chunk.
 */
public final class LinearPpoLoss {
    private static final String KERNEL = "LinearPpoLoss.compute";

    private LinearPpoLoss() {}

    /**
     * @param temperature logits are divided by it (as when the rollout was sampled); > 0
     * @param chunkTokens tokens per chunk (rounded down to whole rows, at least one row), or 0
     *     for the {@link LogProbs#DEFAULT_CHUNK_BUDGET_BYTES} budget
     */
    public static LinearPpoResult compute(LinearPpoInputs in, PpoConfig config, double temperature,
            long chunkTokens) {
        Objects.requireNonNull(in, "inputs: expected LinearPpoInputs, found null");
        Objects.requireNonNull(config, "config: expected a PpoConfig, found null");
        LogProbsConfig lpc = new LogProbsConfig(temperature, config.entCoef() > 0, Long.MIN_VALUE, 0);
        Tensor hidden = requirePresent(in.hidden(), "hidden");
        Tensor head = requirePresent(in.lmHead(), "lmHead");
        requireSupportedDevice(hidden, "hidden");
        requireRank(hidden, "hidden", 3, "[B, T, H]");
        requireNonEmpty(hidden, "hidden");
        KernelDtype dtype = KernelDtype.of(hidden, "hidden");
        requireContiguous(hidden, "hidden");
        long b = hidden.size(0);
        long t = hidden.size(1);
        long h = hidden.size(2);
        if (head.dim() != 2 || head.size(1) != h) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "lmHead: expected a 2-D tensor [V, H] with H = %d (the hidden size), found %s", h, shape(head)));
        }
        requireSameDtype(head, "lmHead", hidden, "hidden");
        requireContiguous(head, "lmHead");
        requireSameDevice(head, "lmHead", hidden, "hidden");
        long v = head.size(0);
        Tensor bias = in.bias();
        if (bias != null && (bias.dim() != 1 || bias.size(0) != v)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "bias: expected a 1-D tensor [V] = [%d], found %s", v, shape(bias)));
        }
        Tensor targets = requirePresent(in.targets(), "targets");
        if (sizes(targets).length != 2 || targets.size(0) != b || targets.size(1) != t) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "targets: expected shape [%d, %d] (the leading shape of hidden %s), found %s", b, t, shape(hidden),
                    shape(targets)));
        }
        if (dtype(targets) != ScalarType.Long) {
            throw new IllegalArgumentException("targets: expected dtype int64, found " + dtypeName(dtype(targets)));
        }
        requireContiguous(targets, "targets");
        if (chunkTokens < 0) {
            throw new IllegalArgumentException("chunkTokens: expected a value >= 0 (0 = automatic), found " + chunkTokens);
        }
        long budgetTokens = chunkTokens > 0 ? chunkTokens
                : LogProbs.DEFAULT_CHUNK_BUDGET_BYTES / (2 * v * hidden.element_size());
        long rowsPerChunk = Math.max(1, Math.min(b, budgetTokens / t));
        return new Run(in, config, lpc, dtype, b, t, h, v, rowsPerChunk).go();
    }

    /** One call: batch totals, the chunk loop, merged statistics and accumulated gradients. */
    private static final class Run {
        private final LinearPpoInputs in;
        private final PpoConfig config;
        private final LogProbsConfig lpc;
        private final KernelDtype dtype;
        private final long b;
        private final long t;
        private final long v;
        private final long rowsPerChunk;
        private final Tensor hidden2; // [B*T, H]
        private final double[] sums = new double[RlaifNative.RLAIF_PPO_NUM_STATS];
        private double ratioMin = Double.POSITIVE_INFINITY;
        private double ratioMax = Double.NEGATIVE_INFINITY;
        private long validTokens;
        private long validRows;
        private long nanTokens;

        Run(LinearPpoInputs in, PpoConfig config, LogProbsConfig lpc, KernelDtype dtype, long b, long t, long h, long v,
                long rowsPerChunk) {
            this.in = in;
            this.config = config;
            this.lpc = lpc;
            this.dtype = dtype;
            this.b = b;
            this.t = t;
            this.v = v;
            this.rowsPerChunk = rowsPerChunk;
            this.hidden2 = in.hidden().reshape(b * t, h);
        }

        LinearPpoResult go() {
            Tensor hidden = in.hidden();
            Tensor head = in.lmHead();
            Tensor bias = in.bias();
            Tensor values = in.values();
            // Zeros: rows of chunks without a valid token are never written.
            Tensor gradHidden = hidden.requires_grad() ? torch.zeros_like(hidden2) : null;
            Tensor gradHead = head.requires_grad() ? torch.zeros_like(head) : null;
            Tensor gradBias = bias != null && bias.requires_grad() ? torch.zeros_like(bias) : null;
            Tensor gradValues = values != null && values.requires_grad() ? torch.zeros_like(values) : null;
            long[] totals = totals(in.mask());
            try (NoGradGuard noGrad = new NoGradGuard()) {
                for (long b0 = 0; b0 < b; b0 += rowsPerChunk) {
                    long rows = Math.min(rowsPerChunk, b - b0);
                    try (PointerScope scope = new PointerScope()) {
                        chunk(b0, rows, totals, gradHidden, gradHead, gradBias, gradValues);
                    }
                }
            }
            if (config.failOnNaN() && nanTokens > 0) {
                for (Tensor x : new Tensor[] {gradHidden, gradHead, gradBias, gradValues}) {
                    if (x != null) {
                        x.close();
                    }
                }
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "inputs: expected no NaN at valid tokens, found %d tokens with NaN in the log-probs from hidden "
                                + "states or in the PPO inputs", nanTokens));
            }
            Tensor gh = gradHidden == null ? null : gradHidden.view(sizes(hidden));
            return new LinearPpoResult(stats(totals), in, gh, gradHead, gradBias, gradValues);
        }

        /** {valid tokens N, rows with a valid token R} of the whole batch. */
        private static long[] totals(Tensor mask) {
            try (PointerScope scope = new PointerScope()) {
                Tensor m = mask.toType(ScalarType.Bool);
                return new long[] {m.sum().item_long(), m.any(1).sum().item_long()};
            }
        }

        private void chunk(long b0, long rows, long[] totals, Tensor gradHidden, Tensor gradHead, Tensor gradBias,
                Tensor gradValues) {
            long c = rows * t;
            Tensor hc = hidden2.narrow(0, b0 * t, c); // [c, H]
            Tensor logits = hc.matmul(in.lmHead().t()); // [c, V]
            if (in.bias() != null) {
                logits.add_(in.bias());
            }
            Tensor targets = in.targets().narrow(0, b0, rows);
            Tensor mask = in.mask().narrow(0, b0, rows);
            try (var f32 = Tensors.options(ScalarType.Float)) {
                Tensor logp = targets.new_empty(new long[] {rows, t}, f32);
                Tensor entropy = lpc.entropy() ? targets.new_empty(new long[] {rows, t}, f32) : null;
                Tensor lse = targets.new_empty(new long[] {c}, f32);
                int status = LogProbsKernel.forward(dtype, logits, c, v, targets.data_ptr(), mask.data_ptr(), lpc,
                        logp.data_ptr(), ptr(entropy), lse.data_ptr(), null, null);
                if (status == RlaifNative.RLAIF_ERR_INVALID_ARGUMENT) {
                    throw new IllegalArgumentException(LogProbs.describeBadTarget(in.targets(), in.mask(), lpc,
                            new LogProbs.Shape(new long[] {b, t}, b * t, v)));
                }
                NativeStatus.check(status, KERNEL);
                ScalarType inputType = dtype(in.oldLogp());
                PpoInputs ppo = PpoInputs.of(logp.toType(inputType), rowsOf(in.oldLogp(), b0, rows),
                        rowsOf(in.advantages(), b0, rows), mask);
                if (in.refLogp() != null) {
                    ppo = ppo.withReference(rowsOf(in.refLogp(), b0, rows));
                }
                if (in.values() != null) {
                    ppo = ppo.withValues(rowsOf(in.values(), b0, rows), rowsOf(in.oldValues(), b0, rows),
                            rowsOf(in.returns(), b0, rows));
                }
                if (entropy != null) {
                    ppo = ppo.withEntropy(entropy.toType(inputType));
                }
                if (in.isWeights() != null) {
                    ppo = ppo.withImportanceWeights(rowsOf(in.isWeights(), b0, rows));
                }
                PpoLossResult r = PpoLoss.compute(ppo, config.withFailOnNaN(false));
                PpoStats s = r.stats();
                if (s.validTokens() == 0) {
                    r.close();
                    return; // no valid token: zero loss and zero gradients
                }
                double f = scale(s, totals);
                merge(s, f);
                try (Scalar fs = new Scalar(f)) {
                    Tensor g = r.gradLogp().toType(ScalarType.Float).mul(fs).reshape(c);
                    Tensor hgrad = r.gradEntropy() == null ? null : r.gradEntropy().toType(ScalarType.Float).mul(fs)
                            .reshape(c);
                    Tensor gradLogits = torch.empty_like(logits);
                    LogProbsKernel.backward(dtype, logits, c, v, targets.data_ptr(), mask.data_ptr(), lpc,
                            lse.data_ptr(), ptr(entropy), g.data_ptr(), ptr(hgrad), gradLogits);
                    LinearHead.accumulate(gradLogits, hc, in.lmHead(),
                            gradHidden == null ? null : gradHidden.narrow(0, b0 * t, c), gradHead, gradBias);
                    if (gradValues != null && r.gradValues() != null) {
                        gradValues.narrow(0, b0, rows).copy_(r.gradValues().mul(fs));
                    }
                }
                r.close();
            }
        }

        private static Tensor rowsOf(Tensor x, long b0, long rows) {
            return x.narrow(0, b0, rows);
        }

        /** Batch normaliser / chunk normaliser of the aggregation: the loss and gradients are linear in it. */
        private double scale(PpoStats s, long[] totals) {
            switch (config.aggregation()) {
                case TOKEN_MEAN: return (double) s.validTokens() / totals[0];
                case SEQ_MEAN_TOKEN_MEAN:
                case SEQ_MEAN_TOKEN_SUM: // a given row divisor is already the batch's
                    return config.rowNorm() > 0 ? 1.0 : (double) s.validRows() / totals[1];
                default: return 1.0;
            }
        }

        private void merge(PpoStats s, double f) {
            double n = s.validTokens();
            sums[RlaifNative.RLAIF_PPO_STAT_LOSS] += f * s.loss();
            sums[RlaifNative.RLAIF_PPO_STAT_POLICY_LOSS] += f * s.policyLoss();
            sums[RlaifNative.RLAIF_PPO_STAT_VALUE_LOSS] += f * s.valueLoss();
            sums[RlaifNative.RLAIF_PPO_STAT_KL_LOSS] += f * s.klLoss();
            sums[RlaifNative.RLAIF_PPO_STAT_ENTROPY] += f * s.entropy();
            sums[RlaifNative.RLAIF_PPO_STAT_CLIPFRAC_LOW] += n * s.clipFracLow();
            sums[RlaifNative.RLAIF_PPO_STAT_CLIPFRAC_HIGH] += n * s.clipFracHigh();
            sums[RlaifNative.RLAIF_PPO_STAT_DUAL_CLIPFRAC] += n * s.dualClipFrac();
            sums[RlaifNative.RLAIF_PPO_STAT_VALUE_CLIPFRAC] += n * s.valueClipFrac();
            sums[RlaifNative.RLAIF_PPO_STAT_APPROX_KL] += n * s.approxKl();
            sums[RlaifNative.RLAIF_PPO_STAT_APPROX_KL_K3] += n * s.approxKlK3();
            sums[RlaifNative.RLAIF_PPO_STAT_RATIO_MEAN] += n * s.ratioMean();
            ratioMin = Math.min(ratioMin, s.ratioMin());
            ratioMax = Math.max(ratioMax, s.ratioMax());
            validTokens += s.validTokens();
            validRows += s.validRows();
            nanTokens += s.nanTokens();
        }

        private PpoStats stats(long[] totals) {
            double n = totals[0];
            double nan = Double.NaN;
            boolean any = validTokens > 0;
            return new PpoStats(sums[RlaifNative.RLAIF_PPO_STAT_LOSS], sums[RlaifNative.RLAIF_PPO_STAT_POLICY_LOSS],
                    sums[RlaifNative.RLAIF_PPO_STAT_VALUE_LOSS], sums[RlaifNative.RLAIF_PPO_STAT_KL_LOSS],
                    sums[RlaifNative.RLAIF_PPO_STAT_ENTROPY],
                    any ? sums[RlaifNative.RLAIF_PPO_STAT_CLIPFRAC_LOW] / n : nan,
                    any ? sums[RlaifNative.RLAIF_PPO_STAT_CLIPFRAC_HIGH] / n : nan,
                    any ? sums[RlaifNative.RLAIF_PPO_STAT_DUAL_CLIPFRAC] / n : nan,
                    any ? sums[RlaifNative.RLAIF_PPO_STAT_VALUE_CLIPFRAC] / n : nan,
                    any ? sums[RlaifNative.RLAIF_PPO_STAT_APPROX_KL] / n : nan,
                    any ? sums[RlaifNative.RLAIF_PPO_STAT_APPROX_KL_K3] / n : nan,
                    any ? sums[RlaifNative.RLAIF_PPO_STAT_RATIO_MEAN] / n : nan, any ? ratioMin : nan,
                    any ? ratioMax : nan, validTokens, validRows, nanTokens);
        }
    }
}
