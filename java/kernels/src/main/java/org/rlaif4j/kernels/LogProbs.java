package org.rlaif4j.kernels;

import static org.rlaif4j.kernels.TensorChecks.*;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.bindings.RlaifCudaNative;
import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * Log-probabilities of target tokens from logits, one native pass per row with an online
 * max / log-sum-exp: no [N, V] log-softmax is ever allocated (kernel {@code
 * native/include/rlaif/logprobs.h}; CPU and CUDA).
 *
 * <p>{@code logits} is [N, V] or [B, T, V], float32 or bfloat16, contiguous; {@code targets} is
 * int64 with the logits' leading shape; {@code mask} (nullable: all valid) is bool or uint8 of the
 * same shape. A token is skipped when its mask is false or its target equals {@code
 * config.ignoreIndex()}: its log-prob and entropy are 0 and it gets no gradient. Results are
 * float32 with the targets' shape.
 *
 * <p>Gradients: when {@code logits} requires grad, the returned log-probs (and entropy) are
 * autograd leaves. Use them in any loss, call {@code loss.backward()}, then {@link
 * LogProbsResult#backward()}: it reads their {@code .grad}, computes {@code d loss / d logits} in
 * one native pass, and hands it to the logits' graph. Or pass the gradients directly with {@link
 * LogProbsResult#backward(Tensor, Tensor)} (e.g. those of a fused PPO loss).
 *
 * <p>A NaN logit in a valid row makes that row's log-prob NaN, reported as an
 * IllegalArgumentException naming the row. Each valid row needs at least one finite logit;
 * {@code -inf} logits (a masked-out vocabulary) are fine.
 */
public final class LogProbs {
    private static final String KERNEL = "LogProbs.fromLogits";

    private LogProbs() {}

    public static LogProbsResult fromLogits(Tensor logits, Tensor targets, Tensor mask, LogProbsConfig config) {
        Objects.requireNonNull(config, "config: expected a LogProbsConfig, found null");
        Shape shape = validate(logits, targets, mask, config);
        KernelDtype dtype = KernelDtype.of(logits, "logits");
        try (var f32 = Tensors.options(ScalarType.Float); var i64 = Tensors.options(ScalarType.Long)) {
            Tensor logp = targets.new_empty(shape.leading, f32);
            Tensor entropy = config.entropy() ? targets.new_empty(shape.leading, f32) : null;
            Tensor lse = targets.new_empty(shape.leading, f32);
            long[] topShape = Arrays.copyOf(shape.leading, shape.leading.length + 1);
            topShape[shape.leading.length] = config.topK();
            Tensor topValues = config.topK() > 0 ? targets.new_empty(topShape, f32) : null;
            Tensor topIndices = config.topK() > 0 ? targets.new_empty(topShape, i64) : null;
            int status = forward(logits, targets, mask, config, shape, dtype, logp, entropy, lse, topValues, topIndices);
            LogProbsResult result = new LogProbsResult(logits, targets, mask, config, shape.n, shape.v, dtype, logp,
                    entropy, lse, topValues, topIndices);
            if (status == RlaifNative.RLAIF_ERR_INVALID_ARGUMENT) {
                result.close();
                throw new IllegalArgumentException(describeBadTarget(targets, mask, config, shape));
            }
            NativeStatus.check(status, KERNEL);
            String nan = firstNaNRow(logp, shape);
            if (nan != null) {
                result.close();
                throw new IllegalArgumentException("logits: expected no NaN in valid rows, found NaN in row " + nan);
            }
            if (logits.requires_grad()) {
                logp.requires_grad_(true);
                if (entropy != null) {
                    entropy.requires_grad_(true);
                }
            }
            return result;
        }
    }

    /** Leading shape of the logits, their row count N and vocabulary size V. */
    record Shape(long[] leading, long n, long v) {}

    private static Shape validate(Tensor logits, Tensor targets, Tensor mask, LogProbsConfig config) {
        requirePresent(logits, "logits");
        requirePresent(targets, "targets");
        requireSupportedDevice(logits, "logits");
        if (logits.dim() != 2 && logits.dim() != 3) {
            throw new IllegalArgumentException("logits: expected a 2-D [N, V] or 3-D [B, T, V] tensor, found "
                    + logits.dim() + "-D " + shape(logits));
        }
        requireNonEmpty(logits, "logits");
        KernelDtype.of(logits, "logits");
        requireContiguous(logits, "logits");
        long[] all = sizes(logits);
        long[] leading = Arrays.copyOf(all, all.length - 1);
        if (!Arrays.equals(sizes(targets), leading)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "targets: expected shape %s (the leading shape of logits %s), found %s", Arrays.toString(leading),
                    shape(logits), shape(targets)));
        }
        if (dtype(targets) != ScalarType.Long) {
            throw new IllegalArgumentException("targets: expected dtype int64, found " + dtypeName(dtype(targets)));
        }
        requireContiguous(targets, "targets");
        requireSameDevice(targets, "targets", logits, "logits");
        if (mask != null) {
            requirePresent(mask, "mask");
            requireSameShape(mask, "mask", targets, "targets");
            requireMaskDtype(mask, "mask");
            requireContiguous(mask, "mask");
            requireSameDevice(mask, "mask", logits, "logits");
        }
        long v = all[all.length - 1];
        if (config.topK() > v) {
            throw new IllegalArgumentException("topK: expected a value <= the vocabulary size " + v + ", found "
                    + config.topK());
        }
        long n = 1;
        for (long s : leading) {
            n *= s;
        }
        return new Shape(leading, n, v);
    }

    private static int forward(Tensor logits, Tensor targets, Tensor mask, LogProbsConfig c, Shape s, KernelDtype dtype,
            Tensor logp, Tensor entropy, Tensor lse, Tensor topValues, Tensor topIndices) {
        Pointer m = mask == null ? null : mask.data_ptr();
        Pointer ent = entropy == null ? null : entropy.data_ptr();
        Pointer tv = topValues == null ? null : topValues.data_ptr();
        Pointer ti = topIndices == null ? null : topIndices.data_ptr();
        if (logits.is_cuda()) {
            CudaStreams.requireCudaKernels(KERNEL);
            return RlaifCudaNative.rlaif_logprobs_forward_cuda(dtype.code, logits.data_ptr(), s.n, s.v,
                    targets.data_ptr(), m, (float) c.temperature(), c.ignoreIndex(), logp.data_ptr(), ent,
                    lse.data_ptr(), c.topK(), tv, ti, CudaStreams.current(logits));
        }
        return RlaifNative.rlaif_logprobs_forward(dtype.code, logits.data_ptr(), s.n, s.v, targets.data_ptr(), m,
                (float) c.temperature(), c.ignoreIndex(), logp.data_ptr(), ent, lse.data_ptr(), c.topK(), tv, ti);
    }

    // Error path: name the first valid token whose target is outside [0, V).
    private static String describeBadTarget(Tensor targets, Tensor mask, LogProbsConfig c, Shape s) {
        long[] t = Tensors.toLongs(targets);
        boolean[] valid = mask == null ? null : Tensors.toMask(mask);
        for (int i = 0; i < t.length; i++) {
            boolean skip = (valid != null && !valid[i]) || t[i] == c.ignoreIndex();
            if (!skip && (t[i] < 0 || t[i] >= s.v)) {
                return String.format(Locale.ROOT, "targets: expected token ids in [0, %d) or the ignore index %d, "
                        + "found %d at %s", s.v, c.ignoreIndex(), t[i], index(i, s.leading));
            }
        }
        return "targets: expected token ids in [0, " + s.v + ")";
    }

    private static String firstNaNRow(Tensor logp, Shape s) {
        try (Tensor anyNaN = logp.isnan().any()) {
            if (!anyNaN.item_bool()) {
                return null;
            }
        }
        float[] lp = Tensors.toFloats(logp);
        for (int i = 0; i < lp.length; i++) {
            if (Float.isNaN(lp[i])) {
                return index(i, s.leading);
            }
        }
        return null;
    }

    static String index(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return Arrays.toString(idx);
    }
}
