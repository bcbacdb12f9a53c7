package org.rlaif4j.kernels;

import static org.rlaif4j.kernels.TensorChecks.*;

import java.util.Locale;
import java.util.Objects;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.bindings.RlaifCudaNative;
import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * Generalised advantage estimation over masked [B, T] batches, in one native pass
 * (kernel {@code native/include/rlaif/gae.h}; CPU and CUDA).
 *
 * <p>For each row the recursion runs backwards over the row's valid positions only: the step
 * after a valid position is the next valid position of that row (holes and left or right padding
 * are skipped, not treated as episode ends), and the last valid position bootstraps from {@code
 * bootstrap[b]} (0 when no bootstrap is given):
 *
 * <pre>
 *   delta_t = r_t + gamma * V(next) - V(t);   A_t = delta_t + gamma * lambda * A_next;   R_t = A_t + V(t)
 * </pre>
 *
 * <p>Inputs: float32 or bfloat16 (accumulation in float32), contiguous, all on one cpu or cuda
 * device; mask bool or uint8 (nonzero = valid). Outputs have the inputs' dtype and device and are
 * 0 at masked positions; they are constants for autograd.
 *
 * <p>NaN: values at masked positions are never read, so padding may hold anything. A NaN that
 * reaches the recursion through a valid position (or through the bootstrap of a row with valid
 * positions) is reported as an IllegalArgumentException naming the tensor and position; on CUDA
 * this check synchronises with the device once per call.
 */
public final class Gae {
    private static final String KERNEL = "Gae.compute";

    private Gae() {}

    /** GAE with no bootstrap (episodes end at each row's last valid step). */
    public static GaeResult compute(Tensor rewards, Tensor values, Tensor mask, GaeConfig config) {
        return compute(rewards, values, mask, null, config);
    }

    /**
     * GAE with an optional bootstrap value per row.
     *
     * @param rewards [B, T] per-step rewards
     * @param values [B, T] value estimates, same dtype as rewards
     * @param mask [B, T] bool or uint8, nonzero = valid step
     * @param bootstrap [B] value after each row's last valid step (truncated episodes), or null for 0
     */
    public static GaeResult compute(Tensor rewards, Tensor values, Tensor mask, Tensor bootstrap, GaeConfig config) {
        KernelDtype dtype = validate(rewards, values, mask, bootstrap, config);
        Tensor advantages = torch.empty_like(rewards);
        Tensor returns = torch.empty_like(rewards);
        try {
            run(rewards, values, mask, bootstrap, config, dtype, advantages, returns);
        } catch (RuntimeException e) {
            advantages.close();
            returns.close();
            throw e;
        }
        return new GaeResult(advantages, returns);
    }

    /**
     * {@link #compute} into caller-allocated outputs (contiguous, the rewards' shape, dtype and
     * device, not aliasing an input), for training loops that reuse buffers: no allocation and
     * no page faults on fresh memory per call. On an exception the outputs' contents are unspecified.
     */
    public static void computeInto(Tensor rewards, Tensor values, Tensor mask, Tensor bootstrap, GaeConfig config,
            Tensor advantagesOut, Tensor returnsOut) {
        KernelDtype dtype = validate(rewards, values, mask, bootstrap, config);
        requireOutput(advantagesOut, "advantagesOut", rewards, "rewards", rewards, values, mask, bootstrap);
        requireOutput(returnsOut, "returnsOut", rewards, "rewards", rewards, values, mask, bootstrap);
        run(rewards, values, mask, bootstrap, config, dtype, advantagesOut, returnsOut);
    }

    private static void run(Tensor rewards, Tensor values, Tensor mask, Tensor bootstrap, GaeConfig config,
            KernelDtype dtype, Tensor advantages, Tensor returns) {
        long b = rewards.size(0);
        long t = rewards.size(1);
        boolean nan;
        Pointer boot = bootstrap == null ? null : bootstrap.data_ptr();
        if (rewards.is_cuda()) {
            CudaStreams.requireCudaKernels(KERNEL);
            try (TensorOptions intOptions = Tensors.options(ScalarType.Int);
                    Tensor flag = rewards.new_empty(new long[] {1}, intOptions)) {
                NativeStatus.check(RlaifCudaNative.rlaif_gae_cuda(dtype.code, rewards.data_ptr(), values.data_ptr(),
                        mask.data_ptr(), boot, b, t, (float) config.gamma(), (float) config.lambda(),
                        advantages.data_ptr(), returns.data_ptr(), flag.data_ptr(), CudaStreams.current(rewards)),
                        KERNEL);
                nan = flag.item_int() != 0;
            }
        } else {
            int[] flag = new int[1];
            NativeStatus.check(RlaifNative.rlaif_gae(dtype.code, rewards.data_ptr(), values.data_ptr(),
                    mask.data_ptr(), boot, b, t, (float) config.gamma(), (float) config.lambda(),
                    advantages.data_ptr(), returns.data_ptr(), flag), KERNEL);
            nan = flag[0] != 0;
        }
        if (nan) {
            throw new IllegalArgumentException(describeNaN(rewards, values, mask, bootstrap));
        }
    }

    private static KernelDtype validate(Tensor rewards, Tensor values, Tensor mask, Tensor bootstrap,
            GaeConfig config) {
        Objects.requireNonNull(config, "config: expected a GaeConfig, found null");
        requirePresent(rewards, "rewards");
        requirePresent(values, "values");
        requirePresent(mask, "mask");
        requireSupportedDevice(rewards, "rewards");
        requireRank(rewards, "rewards", 2, "[B, T]");
        requireNonEmpty(rewards, "rewards");
        KernelDtype dtype = KernelDtype.of(rewards, "rewards");
        requireSameShape(values, "values", rewards, "rewards");
        requireSameShape(mask, "mask", rewards, "rewards");
        requireSameDtype(values, "values", rewards, "rewards");
        requireMaskDtype(mask, "mask");
        requireContiguous(rewards, "rewards");
        requireContiguous(values, "values");
        requireContiguous(mask, "mask");
        requireSameDevice(values, "values", rewards, "rewards");
        requireSameDevice(mask, "mask", rewards, "rewards");
        long b = rewards.size(0);
        if (bootstrap != null) {
            requirePresent(bootstrap, "bootstrap");
            if (bootstrap.dim() != 1 || bootstrap.size(0) != b) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "bootstrap: expected a 1-D tensor [B] = [%d], found %s", b, shape(bootstrap)));
            }
            requireSameDtype(bootstrap, "bootstrap", rewards, "rewards");
            requireContiguous(bootstrap, "bootstrap");
            requireSameDevice(bootstrap, "bootstrap", rewards, "rewards");
        }
        return dtype;
    }

    // Error path only: find which input carried the NaN, for a message that says where.
    private static String describeNaN(Tensor rewards, Tensor values, Tensor mask, Tensor bootstrap) {
        boolean[] valid = Tensors.toMask(mask);
        long t = rewards.size(1);
        for (String name : new String[] {"rewards", "values"}) {
            float[] x = Tensors.toFloats(name.equals("rewards") ? rewards : values);
            for (int i = 0; i < x.length; i++) {
                if (valid[i] && Float.isNaN(x[i])) {
                    return String.format(Locale.ROOT, "%s: expected no NaN at valid positions, found NaN at [%d, %d]",
                            name, i / t, i % t);
                }
            }
        }
        if (bootstrap != null) {
            float[] boot = Tensors.toFloats(bootstrap);
            for (int row = 0; row < boot.length; row++) {
                if (Float.isNaN(boot[row])) {
                    return String.format(Locale.ROOT,
                            "bootstrap: expected no NaN for rows with valid positions, found NaN at [%d]", row);
                }
            }
        }
        return "rewards, values: expected finite values at valid positions; infinities of opposite sign "
                + "cancelled into NaN inside the recursion";
    }
}
