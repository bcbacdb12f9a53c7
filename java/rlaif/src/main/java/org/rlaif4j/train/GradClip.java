package org.rlaif4j.train;

import java.util.Collection;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.model.Ops;

/** Gradient clipping by the global L2 norm over all parameters. */
public final class GradClip {
    private GradClip() {}

    /** The L2 norm of all defined gradients taken together. */
    public static double globalNorm(Collection<Tensor> params) {
        double sq = 0;
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Tensor p : params) {
                Tensor grad = p.grad();
                if (grad.defined()) {
                    double n = grad.to(org.bytedeco.pytorch.global.torch.ScalarType.Double).norm().item_double();
                    sq += n * n;
                }
            }
        }
        return Math.sqrt(sq);
    }

    /**
     * Scales every gradient by {@code maxNorm / norm} when the global norm exceeds {@code maxNorm}.
     * @return the global norm before clipping
     */
    public static double clip(Collection<Tensor> params, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm: expected > 0, found " + maxNorm);
        }
        double norm = globalNorm(params);
        if (norm > maxNorm) {
            double scale = maxNorm / (norm + 1e-6);
            try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                for (Tensor p : params) {
                    Tensor grad = p.grad();
                    if (grad.defined()) {
                        grad.mul_(Ops.scalar(scale));
                    }
                }
            }
        }
        return norm;
    }

}
