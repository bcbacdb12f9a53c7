package org.rlaif4j.kernels.reference;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Masked whitening composed from libtorch eager ops, as RLHF trainers write it
 * ({@code masked_mean}, {@code masked_var} with Bessel's correction, then {@code (x - mean) *
 * rsqrt(var + eps)}). The baseline for {@link org.rlaif4j.kernels.Whiten}; needs at least two
 * valid elements and finite values everywhere.
 */
public final class EagerWhiten {
    private EagerWhiten() {}

    public static Tensor masked(Tensor x, Tensor mask, boolean shiftMean, double eps) {
        Tensor out = torch.empty_like(x); // outside the scope, which frees what it holds on close
        try (PointerScope scope = new PointerScope(); Scalar e = new Scalar(eps)) {
            Tensor m = mask.toType(x.scalar_type());
            Tensor count = m.sum();
            Tensor mean = x.mul(m).sum().div(count);
            Tensor centered = x.sub(mean);
            Tensor var = centered.square().mul(m).sum().div(count.sub(new Scalar(1.0)));
            Tensor w = centered.mul(var.add(e).rsqrt());
            if (!shiftMean) {
                w = w.add(mean);
            }
            out.copy_(w.mul(m));
        }
        return out;
    }

    /** Mean of the valid elements, as {@code (x * m).sum() / m.sum()}. */
    public static double maskedMean(Tensor x, Tensor mask) {
        try (PointerScope scope = new PointerScope()) {
            Tensor m = mask.toType(ScalarType.Double);
            Tensor xd = x.toType(ScalarType.Double);
            return xd.mul(m).sum().div(m.sum()).item_double();
        }
    }
}
