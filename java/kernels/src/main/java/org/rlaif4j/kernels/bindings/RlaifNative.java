package org.rlaif4j.kernels.bindings;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of the CPU kernels in {@code native/include/rlaif/*.h}. Mechanical: one
 * native method per C function, same names and argument order. Use the Tensor-level API in
 * {@code org.rlaif4j.kernels} instead of calling these directly.
 */
@Platform(include = {"rlaif/common.h", "rlaif/gae.h", "rlaif/whiten.h", "rlaif/logprobs.h", "rlaif/ppo_loss.h"},
        link = "rlaif")
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

    public static final int RLAIF_PPO_AGG_TOKEN_MEAN = 0;
    public static final int RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_MEAN = 1;
    public static final int RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_SUM = 2;
    public static final int RLAIF_PPO_AGG_TOKEN_SUM_NORM = 3;

    public static final int RLAIF_PPO_KL_K1 = 0;
    public static final int RLAIF_PPO_KL_K2 = 1;
    public static final int RLAIF_PPO_KL_K3 = 2;
    public static final int RLAIF_PPO_POLICY_CLIP = 0;
    public static final int RLAIF_PPO_POLICY_GSPO = 1;
    public static final int RLAIF_PPO_POLICY_CISPO = 2;

    public static final int RLAIF_PPO_STAT_LOSS = 0;
    public static final int RLAIF_PPO_STAT_POLICY_LOSS = 1;
    public static final int RLAIF_PPO_STAT_VALUE_LOSS = 2;
    public static final int RLAIF_PPO_STAT_KL_LOSS = 3;
    public static final int RLAIF_PPO_STAT_ENTROPY = 4;
    public static final int RLAIF_PPO_STAT_CLIPFRAC_LOW = 5;
    public static final int RLAIF_PPO_STAT_CLIPFRAC_HIGH = 6;
    public static final int RLAIF_PPO_STAT_DUAL_CLIPFRAC = 7;
    public static final int RLAIF_PPO_STAT_VALUE_CLIPFRAC = 8;
    public static final int RLAIF_PPO_STAT_APPROX_KL = 9;
    public static final int RLAIF_PPO_STAT_APPROX_KL_K3 = 10;
    public static final int RLAIF_PPO_STAT_RATIO_MEAN = 11;
    public static final int RLAIF_PPO_STAT_RATIO_MIN = 12;
    public static final int RLAIF_PPO_STAT_RATIO_MAX = 13;
    public static final int RLAIF_PPO_STAT_VALID_TOKENS = 14;
    public static final int RLAIF_PPO_STAT_VALID_ROWS = 15;
    public static final int RLAIF_PPO_STAT_NAN_TOKENS = 16;
    public static final int RLAIF_PPO_NUM_STATS = 17;

    /** The C struct {@code rlaif_ppo_options}: one getter and one setter per field. */
    @Name("rlaif_ppo_options")
    public static class PpoOptions extends Pointer {
        static {
            Loader.load();
        }

        public PpoOptions() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native int aggregation();
        public native PpoOptions aggregation(int v);
        public native int kl_estimator();
        public native PpoOptions kl_estimator(int v);
        public native double eps_low();
        public native PpoOptions eps_low(double v);
        public native double eps_high();
        public native PpoOptions eps_high(double v);
        public native double dual_clip();
        public native PpoOptions dual_clip(double v);
        public native double value_clip();
        public native PpoOptions value_clip(double v);
        public native double vf_coef();
        public native PpoOptions vf_coef(double v);
        public native double kl_coef();
        public native PpoOptions kl_coef(double v);
        public native double ent_coef();
        public native PpoOptions ent_coef(double v);
        public native double norm_constant();
        public native PpoOptions norm_constant(double v);
        public native int policy_loss();
        public native PpoOptions policy_loss(int v);
        public native double row_norm();
        public native PpoOptions row_norm(double v);
    }

    public static native long rlaif_ppo_loss_workspace_bytes(long B, long T);

    public static native int rlaif_ppo_loss(int dtype, @Const Pointer logp, @Const Pointer oldLogp,
            @Const Pointer advantages, @Cast("const uint8_t*") Pointer mask, @Const Pointer refLogp,
            @Const Pointer values, @Const Pointer oldValues, @Const Pointer returns, @Const Pointer entropy,
            @Const Pointer isWeights, long B, long T, @Const PpoOptions options, Pointer gradLogp, Pointer gradValues,
            Pointer gradEntropy, double[] stats, Pointer workspace);

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
