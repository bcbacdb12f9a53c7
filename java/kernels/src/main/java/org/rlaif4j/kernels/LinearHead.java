package org.rlaif4j.kernels;

import static org.rlaif4j.kernels.LogProbsKernel.ptr;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * The chunked linear head behind {@link LogProbs#fromHidden}: each chunk's logits [c, V] come
 * from a libtorch matmul, live only while the kernel reads them, and are recomputed in the
 * backward, which accumulates d hidden (row by row) and d lmHead, d bias (summed over chunks).
 */
final class LinearHead {
    private final Tensor hidden; // [N, H]
    private final Tensor weight; // [V, H]
    private final Tensor bias; // [V] or null
    private final Tensor targets; // [N]
    private final Tensor mask; // [N] or null
    private final LogProbsConfig config;
    private final KernelDtype dtype;
    private final LogProbs.Shape shape;
    private final long chunk;

    LinearHead(Tensor hidden, Tensor weight, Tensor bias, Tensor targets, Tensor mask, LogProbsConfig config,
            KernelDtype dtype, LogProbs.Shape shape, long chunk) {
        this.hidden = hidden;
        this.weight = weight;
        this.bias = bias;
        this.targets = targets;
        this.mask = mask;
        this.config = config;
        this.dtype = dtype;
        this.shape = shape;
        this.chunk = chunk;
    }

    /** Fills the outputs chunk by chunk; returns the first non-OK kernel status, or OK. */
    int forward(LogProbs.Outputs out) {
        long n = shape.n();
        long k = config.topK();
        try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            Tensor logp = out.logp.reshape(n);
            Tensor entropy = out.entropy == null ? null : out.entropy.reshape(n);
            Tensor topValues = out.topValues == null ? null : out.topValues.reshape(n, k);
            Tensor topIndices = out.topIndices == null ? null : out.topIndices.reshape(n, k);
            for (long r0 = 0; r0 < n; r0 += chunk) {
                long c = Math.min(chunk, n - r0);
                try (PointerScope inner = new PointerScope()) {
                    Tensor logits = logits(r0, c);
                    int status = LogProbsKernel.forward(dtype, logits, c, shape.v(), rows(targets, r0, c),
                            rows(mask, r0, c), config, rows(logp, r0, c), rows(entropy, r0, c), rows(out.lse, r0, c),
                            rows(topValues, r0, c), rows(topIndices, r0, c));
                    if (status != RlaifNative.RLAIF_OK) {
                        return status;
                    }
                }
            }
        }
        return RlaifNative.RLAIF_OK;
    }

    /** Accumulates the gradients of hidden, weight and bias for upstream gradients g, h ([N] or null). */
    void backward(Tensor hiddenInput, LogProbs.Outputs out, Tensor g, Tensor h) {
        long n = shape.n();
        boolean wantHidden = hiddenInput.requires_grad();
        Tensor gradHidden = wantHidden ? torch.empty_like(hidden) : null;
        // A leaf head or bias (the usual case) accumulates straight into its .grad.
        Tensor sinkWeight = Autograd.leafGradSink(weight);
        Tensor sinkBias = Autograd.leafGradSink(bias);
        Tensor gradWeight = sinkWeight != null ? sinkWeight : weight.requires_grad() ? torch.zeros_like(weight) : null;
        Tensor gradBias = sinkBias != null ? sinkBias
                : bias != null && bias.requires_grad() ? torch.zeros_like(bias) : null;
        try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            Tensor entropy = out.entropy == null ? null : out.entropy.reshape(n);
            for (long r0 = 0; r0 < n; r0 += chunk) {
                long c = Math.min(chunk, n - r0);
                try (PointerScope inner = new PointerScope()) {
                    Tensor logits = logits(r0, c); // [c, V], recomputed
                    Tensor gradLogits = torch.empty_like(logits);
                    LogProbsKernel.backward(dtype, logits, c, shape.v(), rows(targets, r0, c), rows(mask, r0, c),
                            config, rows(out.lse, r0, c), rows(entropy, r0, c), rows(g, r0, c), rows(h, r0, c),
                            gradLogits);
                    accumulate(gradLogits, hidden.narrow(0, r0, c), weight,
                            gradHidden == null ? null : gradHidden.narrow(0, r0, c), gradWeight, gradBias);
                }
            }
        }
        try (Tensor gh = gradHidden == null ? null : gradHidden.view(TensorChecks.sizes(hiddenInput))) {
            Autograd.backward(new Tensor[] {hiddenInput, weight, bias},
                    new Tensor[] {gh, sinkWeight == null ? gradWeight : null, sinkBias == null ? gradBias : null});
        } finally {
            for (Tensor t : new Tensor[] {gradHidden, gradWeight, gradBias}) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    /**
     * One chunk's share of the head's gradients from d loss / d logits [c, V]: writes d hidden
     * for its rows, adds to d weight and d bias (each may be null when not wanted).
     */
    static void accumulate(Tensor gradLogits, Tensor hiddenRows, Tensor weight, Tensor gradHiddenRows,
            Tensor gradWeight, Tensor gradBias) {
        if (gradHiddenRows != null) {
            long c = gradLogits.size(0);
            if (c < weight.size(1)) {
                // [c, V] x [V, H] with c < H and V large runs at a fifth of the GEMM rate on
                // 2 OpenBLAS threads (13-26 vs 50-100 GFLOP/s at c = 256-512, H = 896, V = 151936);
                // the transposed product [H, V] x [V, c] does not (same product, float rounding aside).
                try (Tensor transposed = weight.t().mm(gradLogits.t())) {
                    gradHiddenRows.copy_(transposed.t());
                }
            } else {
                torch.mm_out(gradHiddenRows, gradLogits, weight); // [c, V] x [V, H]
            }
        }
        if (gradWeight != null) {
            gradWeight.addmm_(gradLogits.t(), hiddenRows); // [V, c] x [c, H]
        }
        if (gradBias != null) {
            gradBias.add_(gradLogits.sum(new long[] {0}));
        }
    }

    private Tensor logits(long r0, long c) {
        Tensor logits = hidden.narrow(0, r0, c).matmul(weight.t()); // [c, H] x [H, V] = [c, V]
        if (bias != null) {
            logits.add_(bias);
        }
        return logits;
    }

    /** Pointer to row r0 of a contiguous tensor whose first dimension is rows (null stays null). */
    private static Pointer rows(Tensor t, long r0, long c) {
        return t == null ? null : ptr(t.narrow(0, r0, c));
    }
}
