package org.rlaif4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * Output of {@link LogProbs}: float32 log-probs (and optionally entropy and top-k) with the
 * targets' shape, plus what the backward needs (per-row log-sum-exp, N floats). Closing frees
 * the tensors it created; the caller's inputs stay the caller's.
 */
public final class LogProbsResult implements AutoCloseable {
    /** How d loss / d (log-probs, entropy) reaches the inputs that produced them. */
    interface Backprop {
        /** Whether any input of the computation requires grad. */
        boolean enabled();

        /** Upstream gradients as flat [N] float32 tensors (either may be null). */
        void run(Tensor gradLogProbs, Tensor gradEntropy);
    }

    private final Tensor logProbs;
    private final Tensor entropy;
    private final Tensor lse;
    private final Tensor topKLogProbs;
    private final Tensor topKIndices;
    private final Backprop backprop;
    private final long n;

    LogProbsResult(Tensor logProbs, Tensor entropy, Tensor lse, Tensor topKLogProbs, Tensor topKIndices, long n,
            Backprop backprop) {
        this.logProbs = logProbs;
        this.entropy = entropy;
        this.lse = lse;
        this.topKLogProbs = topKLogProbs;
        this.topKIndices = topKIndices;
        this.n = n;
        this.backprop = backprop;
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

    /** Per-row log-sum-exp of the tempered logits, float32 [N] (kept for the backward). */
    Tensor lse() {
        return lse;
    }

    /**
     * Backward from the {@code .grad} that autograd left on {@link #logProbs()} and {@link
     * #entropy()} after {@code loss.backward()}: accumulates d loss / d input into the graph of
     * the logits (or of the hidden states and head weights, for {@link LogProbs#fromHidden}).
     */
    public void backward() {
        requireGrad();
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
     * for zero), e.g. those of a fused PPO loss.
     */
    public void backward(Tensor gradLogProbs, Tensor gradEntropy) {
        requireGrad();
        Tensor g = checkGrad(gradLogProbs, "gradLogProbs");
        Tensor h = checkGrad(gradEntropy, "gradEntropy");
        if (h != null && entropy == null) {
            throw new IllegalArgumentException("gradEntropy: expected null because entropy was not requested, found a tensor");
        }
        try (Tensor gFlat = g == null ? null : g.contiguous().reshape(n);
                Tensor hFlat = h == null ? null : h.contiguous().reshape(n)) {
            backprop.run(gFlat, hFlat);
        }
    }

    private void requireGrad() {
        if (!backprop.enabled()) {
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
        TensorChecks.requireSameDevice(grad, name, logProbs, "logProbs");
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
