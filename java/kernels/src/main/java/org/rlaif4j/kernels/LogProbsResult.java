package org.rlaif4j.kernels;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch;
import org.rlaif4j.kernels.bindings.RlaifCudaNative;
import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * Output of {@link LogProbs#fromLogits}: float32 log-probs (and optionally entropy and top-k)
 * with the targets' shape, plus what the backward needs (the per-row log-sum-exp, N floats).
 * Closing frees the tensors it created; the logits, targets and mask stay the caller's.
 */
public final class LogProbsResult implements AutoCloseable {
    private static final String KERNEL = "LogProbsResult.backward";

    private final Tensor logits;
    private final Tensor targets;
    private final Tensor mask;
    private final LogProbsConfig config;
    private final long n;
    private final long v;
    private final KernelDtype dtype;
    private final Tensor logProbs;
    private final Tensor entropy;
    private final Tensor lse;
    private final Tensor topKLogProbs;
    private final Tensor topKIndices;

    LogProbsResult(Tensor logits, Tensor targets, Tensor mask, LogProbsConfig config, long n, long v,
            KernelDtype dtype, Tensor logProbs, Tensor entropy, Tensor lse, Tensor topKLogProbs, Tensor topKIndices) {
        this.logits = logits;
        this.targets = targets;
        this.mask = mask;
        this.config = config;
        this.n = n;
        this.v = v;
        this.dtype = dtype;
        this.logProbs = logProbs;
        this.entropy = entropy;
        this.lse = lse;
        this.topKLogProbs = topKLogProbs;
        this.topKIndices = topKIndices;
    }

    /** log p(target) per token, float32, targets' shape; 0 at skipped tokens. */
    public Tensor logProbs() {
        return logProbs;
    }

    /** Entropy of the tempered distribution per token, or null when not requested. */
    public Tensor entropy() {
        return entropy;
    }

    /** [..., k] largest log-probs of each row in descending order, or null when topK is 0. */
    public Tensor topKLogProbs() {
        return topKLogProbs;
    }

    /** [..., k] token ids of {@link #topKLogProbs()}, int64 (-1 at skipped rows), or null. */
    public Tensor topKIndices() {
        return topKIndices;
    }

    /**
     * Backward from the {@code .grad} that autograd left on {@link #logProbs()} and {@link
     * #entropy()} after {@code loss.backward()}: accumulates {@code d loss / d logits} into the
     * logits' graph.
     */
    public void backward() {
        requireLogitsGrad();
        Tensor g = logProbs.grad();
        Tensor h = entropy == null ? null : entropy.grad();
        boolean hasG = g != null && !g.isNull() && g.defined();
        boolean hasH = h != null && !h.isNull() && h.defined();
        if (!hasG && !hasH) {
            throw new IllegalStateException("logProbs: no gradient reached logProbs() or entropy(); call backward() "
                    + "on a loss computed from them first, or use backward(gradLogProbs, gradEntropy)");
        }
        backward(hasG ? g : null, hasH ? h : null);
    }

    /**
     * Backward from explicit upstream gradients (float32, the targets' shape; either may be null
     * for zero): computes {@code d loss / d logits} in one native pass and accumulates it into the
     * logits' graph.
     */
    public void backward(Tensor gradLogProbs, Tensor gradEntropy) {
        requireLogitsGrad();
        try (Tensor gradLogits = gradientOfLogits(gradLogProbs, gradEntropy);
                BoolOptional retain = new BoolOptional();
                TensorArrayRefOptional inputs = new TensorArrayRefOptional()) {
            logits.backward(gradLogits, retain, false, inputs);
        }
    }

    /** {@code d loss / d logits} for the given upstream gradients, as a new tensor shaped like the logits. */
    public Tensor gradientOfLogits(Tensor gradLogProbs, Tensor gradEntropy) {
        Tensor g = checkGrad(gradLogProbs, "gradLogProbs");
        Tensor h = checkGrad(gradEntropy, "gradEntropy");
        if (h != null && entropy == null) {
            throw new IllegalArgumentException("gradEntropy: expected null because entropy was not requested, found a tensor");
        }
        Tensor out = torch.empty_like(logits);
        Pointer m = mask == null ? null : mask.data_ptr();
        Pointer gp = g == null ? null : g.data_ptr();
        Pointer hp = h == null ? null : h.data_ptr();
        Pointer ent = entropy == null ? null : entropy.data_ptr();
        int status;
        if (logits.is_cuda()) {
            status = RlaifCudaNative.rlaif_logprobs_backward_cuda(dtype.code, logits.data_ptr(), n, v,
                    targets.data_ptr(), m, (float) config.temperature(), config.ignoreIndex(), lse.data_ptr(), ent, gp,
                    hp, out.data_ptr(), CudaStreams.current(logits));
        } else {
            status = RlaifNative.rlaif_logprobs_backward(dtype.code, logits.data_ptr(), n, v, targets.data_ptr(), m,
                    (float) config.temperature(), config.ignoreIndex(), lse.data_ptr(), ent, gp, hp, out.data_ptr());
        }
        NativeStatus.check(status, KERNEL);
        return out;
    }

    private void requireLogitsGrad() {
        if (!logits.requires_grad()) {
            throw new IllegalStateException("logits: expected a tensor that requires grad for backward(), found one "
                    + "that does not");
        }
    }

    private Tensor checkGrad(Tensor grad, String name) {
        if (grad == null) {
            return null;
        }
        TensorChecks.requirePresent(grad, name);
        TensorChecks.requireSameShape(grad, name, logProbs, "logProbs");
        if (TensorChecks.dtype(grad) != org.bytedeco.pytorch.global.torch.ScalarType.Float) {
            throw new IllegalArgumentException(name + ": expected dtype float32, found "
                    + TensorChecks.dtypeName(TensorChecks.dtype(grad)));
        }
        TensorChecks.requireContiguous(grad, name);
        TensorChecks.requireSameDevice(grad, name, logits, "logits");
        return grad;
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {logProbs, entropy, lse, topKLogProbs, topKIndices}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
