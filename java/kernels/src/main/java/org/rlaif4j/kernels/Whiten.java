package org.rlaif4j.kernels;

import static org.rlaif4j.kernels.TensorChecks.*;

import java.util.Locale;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.bindings.RlaifCudaNative;
import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * Masked mean, variance and whitening over all valid elements of a batch (kernel {@code
 * native/include/rlaif/whiten.h}; CPU and CUDA), as RLHF trainers whiten advantages and rewards.
 *
 * <p>Statistics use valid elements only, with the unbiased (n - 1) variance, accumulated in
 * float64 so that 10^8 elements with a mean far from zero keep an accurate variance. Whitening
 * writes {@code (x - mean) / sqrt(var + eps)} at valid positions, plus the mean again when {@code
 * shiftMean} is false (the convention for rewards), and 0 at masked positions. With no valid
 * element the output is all 0; with one, its variance counts as 0.
 *
 * <p>Inputs: x float32 or bfloat16 of any shape, contiguous; mask bool or uint8 of the same shape
 * and device (nonzero = valid). Values at masked positions are never read. A NaN at a valid
 * position is an IllegalArgumentException naming its index. On CUDA the statistics are copied to
 * the host once per call (one synchronisation).
 */
public final class Whiten {
    /** The epsilon RLHF trainers add to the variance: 1e-8. */
    public static final double DEFAULT_EPS = 1e-8;

    private Whiten() {}

    /** Whitened x with the mean removed and eps = 1e-8 (the convention for advantages). */
    public static Tensor masked(Tensor x, Tensor mask) {
        return masked(x, mask, true, DEFAULT_EPS);
    }

    /**
     * Whitened x, same shape, dtype and device.
     *
     * @param shiftMean true to remove the mean (advantages); false to add it back (rewards)
     * @param eps added to the variance before the square root; must be >= 0
     */
    public static Tensor masked(Tensor x, Tensor mask, boolean shiftMean, double eps) {
        if (!(eps >= 0.0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("eps: expected a finite value >= 0, found " + eps);
        }
        KernelDtype dtype = validate(x, mask, "Whiten.masked");
        Tensor out = torch.empty_like(x);
        try {
            whitenInto(dtype, x, mask, shiftMean, eps, out);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    /**
     * {@link #masked(Tensor, Tensor, boolean, double)} into a caller-allocated {@code out}
     * (contiguous, x's shape, dtype and device; it may be x itself, for in-place whitening), for
     * loops that reuse buffers. On an exception the contents of out are unspecified.
     */
    public static void maskedInto(Tensor x, Tensor mask, boolean shiftMean, double eps, Tensor out) {
        KernelDtype dtype = validate(x, mask, "Whiten.maskedInto");
        requireOutput(out, "out", x, "x", mask);
        whitenInto(dtype, x, mask, shiftMean, eps, out);
    }

    private static void whitenInto(KernelDtype dtype, Tensor x, Tensor mask, boolean shiftMean, double eps, Tensor out) {
        if (!(eps >= 0.0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("eps: expected a finite value >= 0, found " + eps);
        }
        double[] stats = run(dtype, x, mask, out, shiftMean, eps, "Whiten.masked");
        if (Double.isNaN(stats[1]) && stats[0] > 0) {
            throw new IllegalArgumentException(describeNaN(x, mask));
        }
    }

    /** Count, mean and unbiased variance of the valid elements of x. */
    public static MaskedStats stats(Tensor x, Tensor mask) {
        KernelDtype dtype = validate(x, mask, "Whiten.stats");
        double[] s = run(dtype, x, mask, null, true, 0.0, "Whiten.stats");
        if (Double.isNaN(s[1]) && s[0] > 0) {
            throw new IllegalArgumentException(describeNaN(x, mask));
        }
        return new MaskedStats((long) s[0], s[1], s[2]);
    }

    /** Mean of the valid elements; at least one must be valid. */
    public static double maskedMean(Tensor x, Tensor mask) {
        MaskedStats s = stats(x, mask);
        requireCount(s, 1);
        return s.mean();
    }

    /** Unbiased variance of the valid elements; at least two must be valid. */
    public static double maskedVar(Tensor x, Tensor mask) {
        MaskedStats s = stats(x, mask);
        requireCount(s, 2);
        return s.variance();
    }

    private static void requireCount(MaskedStats s, long min) {
        if (s.count() < min) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "mask: expected at least %d valid position%s, found %d", min, min == 1 ? "" : "s", s.count()));
        }
    }

    private static KernelDtype validate(Tensor x, Tensor mask, String kernel) {
        requirePresent(x, "x");
        requirePresent(mask, "mask");
        requireSupportedDevice(x, "x");
        if (x.dim() < 1) {
            throw new IllegalArgumentException("x: expected a tensor of rank >= 1, found a 0-D scalar");
        }
        requireNonEmpty(x, "x");
        KernelDtype dtype = KernelDtype.of(x, "x");
        requireSameShape(mask, "mask", x, "x");
        requireMaskDtype(mask, "mask");
        requireContiguous(x, "x");
        requireContiguous(mask, "mask");
        requireSameDevice(mask, "mask", x, "x");
        return dtype;
    }

    /** Runs the kernel; out == null computes statistics only. Returns {count, mean, var}. */
    private static double[] run(KernelDtype dtype, Tensor x, Tensor mask, Tensor out, boolean shiftMean, double eps,
            String kernel) {
        long n = x.numel();
        if (x.is_cuda()) {
            CudaStreams.requireCudaKernels(kernel);
            try (TensorOptions f64 = Tensors.options(ScalarType.Double);
                    Tensor dev = x.new_empty(new long[] {3}, f64)) {
                int st = out == null
                        ? RlaifCudaNative.rlaif_masked_stats_cuda(dtype.code, x.data_ptr(), mask.data_ptr(), n,
                                dev.data_ptr(), CudaStreams.current(x))
                        : RlaifCudaNative.rlaif_whiten_cuda(dtype.code, x.data_ptr(), mask.data_ptr(), n,
                                shiftMean ? 1 : 0, eps, out.data_ptr(), dev.data_ptr(), CudaStreams.current(x));
                NativeStatus.check(st, kernel);
                try (Tensor host = dev.cpu()) {
                    double[] s = new double[3];
                    host.data_ptr_double().get(s);
                    return s;
                }
            }
        }
        double[] s = new double[3];
        int st = out == null
                ? RlaifNative.rlaif_masked_stats(dtype.code, x.data_ptr(), mask.data_ptr(), n, s)
                : RlaifNative.rlaif_whiten(dtype.code, x.data_ptr(), mask.data_ptr(), n, shiftMean ? 1 : 0, eps,
                        out.data_ptr(), s);
        NativeStatus.check(st, kernel);
        return s;
    }

    private static String describeNaN(Tensor x, Tensor mask) {
        float[] v = Tensors.toFloats(x);
        boolean[] valid = Tensors.toMask(mask);
        for (int i = 0; i < v.length; i++) {
            if (valid[i] && Float.isNaN(v[i])) {
                return "x: expected no NaN at valid positions, found NaN at flat index " + i + " of shape " + shape(x);
            }
        }
        return "x: expected finite values at valid positions; infinities of opposite sign gave a NaN mean";
    }
}
