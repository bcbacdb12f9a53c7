package org.rlaif4j.kernels.reference;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Target log-probs composed from libtorch eager ops, differentiable by autograd:
 * {@code log_softmax(logits / T).gather(targets)}, which materialises [N, V] log-probs (and
 * their gradient). The baseline of {@link org.rlaif4j.kernels.LogProbs} in tests and benchmarks.
 */
public final class EagerLogProbs {
    /** Log-probs [leading shape] and, when asked, entropy; both float32 and 0 at skipped tokens. */
    public record Result(Tensor logProbs, Tensor entropy) {}

    private EagerLogProbs() {}

    /**
     * @param mask bool/uint8 with the targets' shape, or null
     * @param ignoreIndex targets equal to it are skipped like masked ones
     */
    public static Result compute(Tensor logits, Tensor targets, Tensor mask, double temperature, long ignoreIndex,
            boolean withEntropy) {
        // Results escape the scope with one extra reference; temporaries die with it.
        Tensor logp;
        Tensor entropy = null;
        try (PointerScope scope = new PointerScope();
                Scalar temp = new Scalar(temperature);
                Scalar ignore = new Scalar(ignoreIndex);
                Scalar zeroL = new Scalar(0L)) {
            Tensor valid = targets.ne(ignore);
            if (mask != null) {
                valid = valid.logical_and(mask.toType(ScalarType.Bool));
            }
            Tensor safeTargets = targets.where(valid, zeroL);
            Tensor all = logits.toType(ScalarType.Float).div(temp).log_softmax(-1); // [..., V]
            Tensor validF = valid.toType(ScalarType.Float);
            Tensor lp = all.gather(-1, safeTargets.unsqueeze(-1), false).squeeze(-1).mul(validF);
            lp.retainReference();
            logp = lp;
            if (withEntropy) {
                Tensor h = all.exp().mul(all).sum(new long[] {-1}).neg().mul(validF);
                h.retainReference();
                entropy = h;
            }
        }
        return new Result(logp, entropy);
    }
}
