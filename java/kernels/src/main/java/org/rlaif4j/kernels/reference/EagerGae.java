package org.rlaif4j.kernels.reference;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.GaeConfig;
import org.rlaif4j.kernels.GaeResult;

/**
 * GAE composed from libtorch eager ops: the reversed loop over T that a user of the plain
 * bindings writes. Same masked semantics as {@link org.rlaif4j.kernels.Gae}; kept as the
 * baseline the kernel is tested and benchmarked against, not for production use. Inputs must
 * hold finite values everywhere (masked positions included: 0 * inf is NaN here).
 */
public final class EagerGae {
    private EagerGae() {}

    public static GaeResult compute(Tensor rewards, Tensor values, Tensor mask, Tensor bootstrap, GaeConfig config) {
        long b = rewards.size(0);
        long t = rewards.size(1);
        // Results and carried state live outside the scopes (a scope frees what it holds on close).
        Tensor advantages = torch.zeros_like(rewards);
        Tensor returns = torch.empty_like(rewards);
        Tensor last = rewards.new_zeros(new long[] {b});
        Tensor nextValue = bootstrap == null ? rewards.new_zeros(new long[] {b}) : bootstrap.clone();
        try (PointerScope scope = new PointerScope();
                Scalar gamma = new Scalar(config.gamma());
                Scalar gl = new Scalar(config.gamma() * config.lambda());
                Scalar zero = new Scalar(0.0)) {
            Tensor valid = mask.toType(ScalarType.Bool);
            for (long step = t - 1; step >= 0; step--) {
                try (PointerScope inner = new PointerScope()) {
                    Tensor m = valid.select(1, step);
                    Tensor v = values.select(1, step);
                    Tensor delta = rewards.select(1, step).add(nextValue.mul(gamma)).sub(v);
                    Tensor a = delta.add(last.mul(gl));
                    advantages.select(1, step).copy_(a.where(m, zero));
                    last.copy_(a.where(m, last));
                    nextValue.copy_(v.where(m, nextValue));
                }
            }
            returns.copy_(advantages.add(values).where(valid, zero));
        } finally {
            last.close();
            nextValue.close();
        }
        return new GaeResult(advantages, returns);
    }
}
