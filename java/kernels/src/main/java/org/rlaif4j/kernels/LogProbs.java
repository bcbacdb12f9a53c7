package org.rlaif4j.kernels;

import static org.rlaif4j.kernels.LogProbsKernel.ptr;
import static org.rlaif4j.kernels.TensorChecks.*;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * Log-probabilities of target tokens, one native pass per row with an online max /
 * log-sum-exp: no [N, V] log-softmax is ever allocated (kernel {@code
 * native/include/rlaif/logprobs.h}; CPU and CUDA).
 *
 * <p>{@link #fromLogits} takes logits [N, V] or [B, T, V]; {@link #fromHidden} takes the last
 * hidden states and the LM head and never holds more than a chunk of rows' logits at a time.
 * Inputs are float32 or bfloat16, contiguous, on one device; {@code targets} is int64 with the
 * leading shape; {@code mask} (nullable: all valid) is bool or uint8 of the same shape. A token
 * is skipped when its mask is false or its target equals {@code config.ignoreIndex()}: its
 * log-prob and entropy are 0 and it gets no gradient. Results are float32 with the targets'
 * shape.
 *
 * <p>Gradients: when an input requires grad, the returned log-probs (and entropy) are autograd
 * leaves. Use them in any loss, call {@code loss.backward()}, then {@link
 * LogProbsResult#backward()}: it reads their {@code .grad} and pushes the gradient on to the
 * inputs. Or pass gradients directly with {@link LogProbsResult#backward(Tensor, Tensor)}.
 *
 * <p>A NaN logit in a valid row makes that row's log-prob NaN, reported as an
 * IllegalArgumentException naming the row. Each valid row needs at least one finite logit;
 * {@code -inf} logits (a masked-out vocabulary) are fine.
 */
public final class LogProbs {
    /** Default memory for one chunk's logits and their gradient in {@link #fromHidden}: 512 MiB. */
    public static final long DEFAULT_CHUNK_BUDGET_BYTES = 512L << 20;

    private LogProbs() {}

    /** Log-probs from logits [N, V] or [B, T, V]. */
    public static LogProbsResult fromLogits(Tensor logits, Tensor targets, Tensor mask, LogProbsConfig config) {
        Objects.requireNonNull(config, "config: expected a LogProbsConfig, found null");
        requirePresent(logits, "logits");
        requireSupportedDevice(logits, "logits");
        if (logits.dim() != 2 && logits.dim() != 3) {
            throw new IllegalArgumentException("logits: expected a 2-D [N, V] or 3-D [B, T, V] tensor, found "
                    + logits.dim() + "-D " + shape(logits));
        }
        requireNonEmpty(logits, "logits");
        KernelDtype dtype = KernelDtype.of(logits, "logits");
        requireContiguous(logits, "logits");
        Shape s = validateTargets(logits, "logits", targets, mask, config);
        Outputs out = Outputs.allocate(targets, s, config);
        int status = LogProbsKernel.forward(dtype, logits, s.n, s.v, targets.data_ptr(), ptr(mask), config,
                out.logp.data_ptr(), ptr(out.entropy), out.lse.data_ptr(), ptr(out.topValues), ptr(out.topIndices));
        out.finish(status, targets, mask, config, s);
        LogProbsResult.Backprop backprop = new LogProbsResult.Backprop() {
            @Override
            public boolean enabled() {
                return logits.requires_grad();
            }

            @Override
            public void run(Tensor g, Tensor h) {
                try (Tensor gradLogits = org.bytedeco.pytorch.global.torch.empty_like(logits)) {
                    LogProbsKernel.backward(dtype, logits, s.n, s.v, targets.data_ptr(), ptr(mask), config,
                            out.lse.data_ptr(), ptr(out.entropy), ptr(g), ptr(h), gradLogits);
                    Autograd.backward(new Tensor[] {logits}, new Tensor[] {gradLogits});
                }
            }
        };
        return out.result(s, logits.requires_grad(), backprop);
    }

    /**
     * Log-probs from the last hidden states and the LM head, in chunks of rows: each chunk's
     * logits come from a libtorch matmul ({@code hidden @ lmHead^T + bias}), the softmax
     * statistics from the native kernel; only the per-row log-sum-exp is kept. The backward
     * recomputes each chunk's logits and accumulates the gradients of {@code hidden}, {@code
     * lmHead} and {@code bias}. Peak extra memory is about 2 * chunkRows * V elements.
     *
     * @param hidden [N, H] or [B, T, H]
     * @param lmHead [V, H], same dtype and device as hidden
     * @param bias [V] or null
     * @param chunkRows rows per chunk, or 0 to choose it from {@link #DEFAULT_CHUNK_BUDGET_BYTES}
     */
    public static LogProbsResult fromHidden(Tensor hidden, Tensor lmHead, Tensor bias, Tensor targets, Tensor mask,
            LogProbsConfig config, long chunkRows) {
        Objects.requireNonNull(config, "config: expected a LogProbsConfig, found null");
        requirePresent(hidden, "hidden");
        requirePresent(lmHead, "lmHead");
        requireSupportedDevice(hidden, "hidden");
        if (hidden.dim() != 2 && hidden.dim() != 3) {
            throw new IllegalArgumentException("hidden: expected a 2-D [N, H] or 3-D [B, T, H] tensor, found "
                    + hidden.dim() + "-D " + shape(hidden));
        }
        requireNonEmpty(hidden, "hidden");
        KernelDtype dtype = KernelDtype.of(hidden, "hidden");
        requireContiguous(hidden, "hidden");
        long h = hidden.size(hidden.dim() - 1);
        if (lmHead.dim() != 2 || lmHead.size(1) != h) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "lmHead: expected a 2-D tensor [V, H] with H = %d (the hidden size), found %s", h, shape(lmHead)));
        }
        requireNonEmpty(lmHead, "lmHead");
        requireSameDtype(lmHead, "lmHead", hidden, "hidden");
        requireContiguous(lmHead, "lmHead");
        requireSameDevice(lmHead, "lmHead", hidden, "hidden");
        long v = lmHead.size(0);
        if (bias != null) {
            requirePresent(bias, "bias");
            if (bias.dim() != 1 || bias.size(0) != v) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "bias: expected a 1-D tensor [V] = [%d], found %s", v, shape(bias)));
            }
            requireSameDtype(bias, "bias", hidden, "hidden");
            requireSameDevice(bias, "bias", hidden, "hidden");
        }
        if (chunkRows < 0) {
            throw new IllegalArgumentException("chunkRows: expected a value >= 0 (0 = automatic), found " + chunkRows);
        }
        Shape s = validateTargets(hidden, "hidden", targets, mask, config);
        Shape sv = new Shape(s.leading, s.n, v); // validateTargets saw [.., H]; the vocabulary is the head's
        if (config.topK() > v) {
            throw new IllegalArgumentException("topK: expected a value <= the vocabulary size " + v + ", found "
                    + config.topK());
        }
        long chunk = chunkRows > 0 ? chunkRows
                : Math.max(1, DEFAULT_CHUNK_BUDGET_BYTES / (2 * v * hidden.element_size()));
        LinearHead head = new LinearHead(hidden.reshape(sv.n, h), lmHead, bias, targets.reshape(sv.n),
                mask == null ? null : mask.reshape(sv.n), config, dtype, sv, Math.min(chunk, sv.n));
        Outputs out = Outputs.allocate(targets, sv, config);
        out.finish(head.forward(out), targets, mask, config, sv);
        boolean grad = hidden.requires_grad() || lmHead.requires_grad() || (bias != null && bias.requires_grad());
        LogProbsResult.Backprop backprop = new LogProbsResult.Backprop() {
            @Override
            public boolean enabled() {
                return hidden.requires_grad() || lmHead.requires_grad() || (bias != null && bias.requires_grad());
            }

            @Override
            public void run(Tensor g, Tensor hh) {
                head.backward(hidden, out, g, hh);
            }
        };
        return out.result(sv, grad, backprop);
    }

    /** Leading shape of the inputs (the targets' shape), their row count N and last size. */
    record Shape(long[] leading, long n, long v) {}

    private static Shape validateTargets(Tensor input, String inputName, Tensor targets, Tensor mask,
            LogProbsConfig config) {
        requirePresent(targets, "targets");
        long[] all = sizes(input);
        long[] leading = Arrays.copyOf(all, all.length - 1);
        if (!Arrays.equals(sizes(targets), leading)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "targets: expected shape %s (the leading shape of %s %s), found %s", Arrays.toString(leading),
                    inputName, shape(input), shape(targets)));
        }
        if (dtype(targets) != ScalarType.Long) {
            throw new IllegalArgumentException("targets: expected dtype int64, found " + dtypeName(dtype(targets)));
        }
        requireContiguous(targets, "targets");
        requireSameDevice(targets, "targets", input, inputName);
        if (mask != null) {
            requirePresent(mask, "mask");
            requireSameShape(mask, "mask", targets, "targets");
            requireMaskDtype(mask, "mask");
            requireContiguous(mask, "mask");
            requireSameDevice(mask, "mask", input, inputName);
        }
        long v = all[all.length - 1];
        if (inputName.equals("logits") && config.topK() > v) {
            throw new IllegalArgumentException("topK: expected a value <= the vocabulary size " + v + ", found "
                    + config.topK());
        }
        long n = 1;
        for (long x : leading) {
            n *= x;
        }
        return new Shape(leading, n, v);
    }

    /** The result tensors of one call, allocated with the targets' shape on the targets' device. */
    static final class Outputs {
        final Tensor logp;
        final Tensor entropy;
        final Tensor lse;
        final Tensor topValues;
        final Tensor topIndices;

        private Outputs(Tensor logp, Tensor entropy, Tensor lse, Tensor topValues, Tensor topIndices) {
            this.logp = logp;
            this.entropy = entropy;
            this.lse = lse;
            this.topValues = topValues;
            this.topIndices = topIndices;
        }

        static Outputs allocate(Tensor targets, Shape s, LogProbsConfig c) {
            try (var f32 = Tensors.options(ScalarType.Float); var i64 = Tensors.options(ScalarType.Long)) {
                long[] topShape = Arrays.copyOf(s.leading, s.leading.length + 1);
                topShape[s.leading.length] = c.topK();
                return new Outputs(targets.new_empty(s.leading, f32),
                        c.entropy() ? targets.new_empty(s.leading, f32) : null,
                        targets.new_empty(new long[] {s.n}, f32),
                        c.topK() > 0 ? targets.new_empty(topShape, f32) : null,
                        c.topK() > 0 ? targets.new_empty(topShape, i64) : null);
            }
        }

        /** Turns a kernel status and NaN log-probs into clear errors (freeing the outputs). */
        void finish(int status, Tensor targets, Tensor mask, LogProbsConfig c, Shape s) {
            if (status == RlaifNative.RLAIF_ERR_INVALID_ARGUMENT) {
                close();
                throw new IllegalArgumentException(describeBadTarget(targets, mask, c, s));
            }
            if (status != RlaifNative.RLAIF_OK) {
                close();
                NativeStatus.check(status, LogProbsKernel.KERNEL);
            }
            String nan = firstNaNRow(logp, s);
            if (nan != null) {
                close();
                throw new IllegalArgumentException("logits: expected no NaN in valid rows, found NaN in row " + nan);
            }
        }

        LogProbsResult result(Shape s, boolean requiresGrad, LogProbsResult.Backprop backprop) {
            if (requiresGrad) {
                logp.requires_grad_(true);
                if (entropy != null) {
                    entropy.requires_grad_(true);
                }
            }
            return new LogProbsResult(logp, entropy, lse, topValues, topIndices, s.n, backprop);
        }

        void close() {
            for (Tensor t : new Tensor[] {logp, entropy, lse, topValues, topIndices}) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    // Error path: name the first valid token whose target is outside [0, V).
    static String describeBadTarget(Tensor targets, Tensor mask, LogProbsConfig c, Shape s) {
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
