package org.rlaif4j.kernels.bindings;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of the CPU kernels in {@code native/include/rlaif/*.h}. Mechanical: one
 * native method per C function, same names and argument order. Use the Tensor-level API in
 * {@code org.rlaif4j.kernels} instead of calling these directly.
 */
@Platform(include = {"rlaif/common.h", "rlaif/gae.h", "rlaif/whiten.h", "rlaif/logprobs.h"}, link = "rlaif")
public final class RlaifNative {
    static {
        // libtorch first: it brings the libgomp.so.1 that our OpenMP code then shares.
        Loader.load(org.bytedeco.pytorch.global.torch.class);
        Loader.load();
    }

    private RlaifNative() {}

    public static final int RLAIF_DTYPE_F32 = 0;
    public static final int RLAIF_DTYPE_BF16 = 1;

    public static final int RLAIF_OK = 0;
    public static final int RLAIF_ERR_INVALID_ARGUMENT = -1;
    public static final int RLAIF_ERR_CUDA = -2;
    public static final int RLAIF_ERR_NO_CUDA = -3;

    public static native @Cast("const char*") String rlaif_status_string(int status);

    public static native @Cast("const char*") String rlaif_version();

    public static native int rlaif_num_threads();

    public static native @Cast("const char*") String rlaif_cpu_isa();

    public static native int rlaif_copy(Pointer dst, @Const Pointer src, long nbytes);

    public static native int rlaif_gae(int dtype, @Const Pointer rewards, @Const Pointer values,
            @Cast("const uint8_t*") Pointer mask, @Const Pointer bootstrap, long B, long T, float gamma,
            float lambda, Pointer advantages, Pointer returns, @Cast("int32_t*") int[] nanFlag);

    public static native int rlaif_masked_stats(int dtype, @Const Pointer x, @Cast("const uint8_t*") Pointer mask,
            long n, double[] stats);

    public static native int rlaif_whiten(int dtype, @Const Pointer x, @Cast("const uint8_t*") Pointer mask, long n,
            int shiftMean, double eps, Pointer out, double[] stats);

    public static native int rlaif_logprobs_forward(int dtype, @Const Pointer logits, long N, long V,
            @Cast("const int64_t*") Pointer targets, @Cast("const uint8_t*") Pointer mask, float temperature,
            long ignoreIndex, @Cast("float*") Pointer logp, @Cast("float*") Pointer entropy,
            @Cast("float*") Pointer lse, long topK, @Cast("float*") Pointer topValues,
            @Cast("int64_t*") Pointer topIndices);

    public static native int rlaif_logprobs_backward(int dtype, @Const Pointer logits, long N, long V,
            @Cast("const int64_t*") Pointer targets, @Cast("const uint8_t*") Pointer mask, float temperature,
            long ignoreIndex, @Cast("const float*") Pointer lse, @Cast("const float*") Pointer entropy,
            @Cast("const float*") Pointer gradLogp, @Cast("const float*") Pointer gradEntropy, Pointer gradLogits);
}
