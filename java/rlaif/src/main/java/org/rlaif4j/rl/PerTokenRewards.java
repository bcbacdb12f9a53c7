package org.rlaif4j.rl;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.model.Ops;

/**
 * The per-token rewards PPO's GAE runs on (Ziegler et al. 2019; Stiennon et al. 2020):
 *
 * <pre>
 *   kl_t = k(d_t),  d_t = refLogp_t - logp_t     (k1: -d,  k2: d^2 / 2,  k3: exp(d) - d - 1, d clamped to +-20)
 *   r_t  = -beta * kl_t  +  [t = last valid token] * score
 * </pre>
 *
 * over the valid (response) tokens; both outputs are 0 at masked positions.
 */
public final class PerTokenRewards {
    private PerTokenRewards() {}

    /** Per-token rewards and KL estimates, both {@code [B, N]} float32. */
    public record Result(Tensor rewards, Tensor kl) {}

    /**
     * @param logp    {@code [B, N]} float32 log-probs of the sampled tokens under the sampling policy
     * @param refLogp {@code [B, N]} float32 log-probs under the reference model
     * @param mask    {@code [B, N]} bool, every row with at least one valid token
     * @param scores  {@code B} sequence rewards
     * @param beta    KL coefficient (>= 0)
     */
    public static Result compute(Tensor logp, Tensor refLogp, Tensor mask, float[] scores, double beta, KlEstimator estimator) {
        long b = logp.size(0);
        long n = logp.size(1);
        if (scores.length != b) {
            throw new IllegalArgumentException("scores: expected " + b + " values (one per row), found " + scores.length);
        }
        try (PointerScope scope = new PointerScope()) {
            if (!mask.any(1).all().item_bool()) {
                throw new IllegalArgumentException("mask: expected at least one valid token per row, found an empty row");
            }
        }
        Tensor[] out = Ops.scopedAll(() -> {
            Tensor m = mask.to(ScalarType.Float);
            Tensor d = refLogp.sub(logp);                                        // [B, N]
            Tensor kl = switch (estimator) {
                case K1 -> d.neg();
                case K2 -> d.square().mul(new Scalar(0.5));
                case K3 -> {
                    Tensor dc = d.clamp(new ScalarOptional(new Scalar(-20.0)), new ScalarOptional(new Scalar(20.0)));
                    yield dc.exp().sub(dc).sub(new Scalar(1.0));
                }
            };
            kl = kl.mul(m);
            Tensor rewards = kl.mul(new Scalar(-beta));
            Tensor last = mask.to(ScalarType.Long).mul(Ops.arange(0, n).view(1, n))
                    .argmax(new LongOptional(1), true);                           // [B, 1] last valid column
            rewards.scatter_add_(1, last, Tensors.fromFloats(scores, b, 1));
            return new Tensor[] {rewards, kl};
        });
        return new Result(out[0], out[1]);
    }
}
