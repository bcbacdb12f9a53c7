package org.rlaif4j.kernels.bindings;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of the CUDA kernels (librlaif_cuda). In a build without nvcc the same
 * symbols exist and return {@code RLAIF_ERR_NO_CUDA}, so this class always loads. All data
 * pointers are device pointers; {@code stream} is a {@code cudaStream_t}.
 */
@Platform(include = {"rlaif/common.h", "rlaif/cuda.h", "rlaif/gae.h", "rlaif/whiten.h", "rlaif/logprobs.h",
        "rlaif/ppo_loss.h"}, link = "rlaif_cuda")
public final class RlaifCudaNative {
    static {
        Loader.load(RlaifNative.class);
        Loader.load();
    }

    private RlaifCudaNative() {}

    public static native int rlaif_cuda_compiled();

    public static native @Cast("const char*") String rlaif_cuda_architectures();

    public static native int rlaif_cuda_device_count();

    public static native @Cast("const char*") String rlaif_cuda_last_error();

    public static native int rlaif_gae_cuda(int dtype, @Const Pointer rewards, @Const Pointer values,
            @Cast("const uint8_t*") Pointer mask, @Const Pointer bootstrap, long B, long T, float gamma,
            float lambda, Pointer advantages, Pointer returns, @Cast("int32_t*") Pointer nanFlag,
            @Cast("cudaStream_t") Pointer stream);

    public static native int rlaif_masked_stats_cuda(int dtype, @Const Pointer x,
            @Cast("const uint8_t*") Pointer mask, long n, @Cast("double*") Pointer stats,
            @Cast("cudaStream_t") Pointer stream);

    public static native int rlaif_whiten_cuda(int dtype, @Const Pointer x, @Cast("const uint8_t*") Pointer mask,
            long n, int shiftMean, double eps, Pointer out, @Cast("double*") Pointer stats,
            @Cast("cudaStream_t") Pointer stream);

    public static native long rlaif_ppo_loss_cuda_workspace_bytes(long B, long T);

    /** {@code options} is a {@link RlaifNative.PpoOptions}; {@code stats} a device buffer of doubles. */
    public static native int rlaif_ppo_loss_cuda(int dtype, @Const Pointer logp, @Const Pointer oldLogp,
            @Const Pointer advantages, @Cast("const uint8_t*") Pointer mask, @Const Pointer refLogp,
            @Const Pointer values, @Const Pointer oldValues, @Const Pointer returns, @Const Pointer entropy,
            @Const Pointer isWeights, long B, long T, @Cast("const rlaif_ppo_options*") Pointer options, Pointer gradLogp, Pointer gradValues,
            Pointer gradEntropy, @Cast("double*") Pointer stats, Pointer workspace,
            @Cast("cudaStream_t") Pointer stream);

    public static native int rlaif_logprobs_forward_cuda(int dtype, @Const Pointer logits, long N, long V,
            @Cast("const int64_t*") Pointer targets, @Cast("const uint8_t*") Pointer mask, float temperature,
            long ignoreIndex, @Cast("float*") Pointer logp, @Cast("float*") Pointer entropy,
            @Cast("float*") Pointer lse, long topK, @Cast("float*") Pointer topValues,
            @Cast("int64_t*") Pointer topIndices, @Cast("cudaStream_t") Pointer stream);

    public static native int rlaif_logprobs_backward_cuda(int dtype, @Const Pointer logits, long N, long V,
            @Cast("const int64_t*") Pointer targets, @Cast("const uint8_t*") Pointer mask, float temperature,
            long ignoreIndex, @Cast("const float*") Pointer lse, @Cast("const float*") Pointer entropy,
            @Cast("const float*") Pointer gradLogp, @Cast("const float*") Pointer gradEntropy, Pointer gradLogits,
            @Cast("cudaStream_t") Pointer stream);
}
