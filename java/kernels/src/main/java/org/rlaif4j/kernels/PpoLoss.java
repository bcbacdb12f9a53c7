package org.rlaif4j.kernels;

import static org.rlaif4j.kernels.TensorChecks.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.bindings.RlaifCudaNative;
import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * The PPO / GRPO loss with its statistics and gradients in one native pass (kernel {@code
 * native/include/rlaif/ppo_loss.h}; CPU and CUDA), plugged into libtorch autograd through
 * {@link PpoLossResult#backward()}.
 *
 * <p>Per valid token, in float32 (inputs float32 or bfloat16; sums in float64):
 *
 * <pre>
 *   logratio = clamp(logp - oldLogp, -20, 20);   ratio = exp(logratio)
 *   pg = max(-A * ratio, -A * clamp(ratio, 1 - epsLow, 1 + epsHigh))
 *        and, with dual clip c, for A &lt; 0: pg = min(pg, -A * c)
 *   vf = 0.5 * max((v - R)^2, (clamp(v, oldV - valueClip, oldV + valueClip) - R)^2)   (no clip: 0.5 * (v - R)^2)
 *   kl = k1: -d | k2: 0.5 d^2 | k3: exp(d) - d - 1 (d clamped to +-20),  d = refLogp - logp
 *   loss = agg(pg) + vfCoef * agg(vf) + klCoef * agg(kl) - entCoef * agg(entropy)
 * </pre>
 *
 * with the aggregation of {@link PpoConfig.Aggregation}. A batch with no valid token has loss 0
 * and zero gradients. The clamp of the logratio keeps a stale minibatch finite: a token whose
 * |logp - oldLogp| exceeds 20 contributes its clamped loss and no gradient.
 *
 * <p>Gradients equal libtorch autograd of that composition ({@code
 * org.rlaif4j.kernels.reference.EagerPpoLoss}), including its choices at the kinks: clamp passes
 * the gradient on the closed interval [lo, hi]; max and min give it to the larger (smaller)
 * operand and split it evenly on an exact tie.
 *
 * <p>On CUDA the statistics are copied to the host once per call (one synchronisation).
 */
public final class PpoLoss {
    private static final String KERNEL = "PpoLoss.compute";

    private PpoLoss() {}

    /**
     * Loss, statistics and gradients; call {@link PpoLossResult#backward()} to hand the
     * gradients to autograd. The constant inputs (oldLogp, advantages, refLogp, oldValues,
     * returns) must not require grad.
     */
    public static PpoLossResult compute(PpoInputs inputs, PpoConfig config) {
        return run(inputs, config, true);
    }

    /**
     * {@link #compute} into caller-allocated gradient buffers, for trainers that keep their own
     * (no allocation, no page faults on fresh memory per call): d loss / d logp, d values and d
     * entropy are written (not accumulated) into the outputs, each contiguous, of logp's shape,
     * dtype and device, and aliasing no input. {@code gradValuesOut} is required exactly when
     * values are given, {@code gradEntropyOut} exactly when entropy is. Autograd is not involved:
     * the caller propagates the gradients. On an exception the outputs' contents are unspecified.
     *
     * @return the loss and statistics (as {@link PpoLossResult#stats()})
     */
    public static PpoStats computeInto(PpoInputs inputs, PpoConfig config, Tensor gradLogpOut, Tensor gradValuesOut,
            Tensor gradEntropyOut) {
        Objects.requireNonNull(inputs, "inputs: expected PpoInputs, found null");
        Objects.requireNonNull(config, "config: expected a PpoConfig, found null");
        KernelDtype dtype = validate(inputs, config, false);
        Tensor logp = inputs.logp();
        List<Tensor> named = new ArrayList<>(others(inputs).values());
        named.add(logp);
        Tensor[] all = named.toArray(new Tensor[0]);
        requireOutput(gradLogpOut, "gradLogpOut", logp, "logp", all);
        requireOptionalOutput(gradValuesOut, "gradValuesOut", inputs.values(), "values", logp, all);
        requireOptionalOutput(gradEntropyOut, "gradEntropyOut", inputs.entropy(), "entropy", logp, all);
        double[] stats = new double[RlaifNative.RLAIF_PPO_NUM_STATS];
        launch(inputs, config, dtype, gradLogpOut, gradValuesOut, gradEntropyOut, stats).close();
        PpoStats result = PpoStats.fromNative(stats);
        if (config.failOnNaN() && result.nanTokens() > 0) {
            throw new IllegalArgumentException(describeNaN(inputs));
        }
        return result;
    }

    /** An output that must be given exactly when its input is. */
    private static void requireOptionalOutput(Tensor out, String name, Tensor input, String inputName, Tensor logp,
            Tensor[] all) {
        if (input == null) {
            if (out != null) {
                throw new IllegalArgumentException(name + ": expected null (no " + inputName + " given), found a tensor");
            }
            return;
        }
        if (out == null) {
            throw new IllegalArgumentException(name + ": expected a tensor (" + inputName + " is given), found null");
        }
        requireOutput(out, name, logp, "logp", all);
    }

    /** Loss and statistics only, for evaluation: no gradients are written. */
    public static PpoLossResult evaluate(PpoInputs inputs, PpoConfig config) {
        return run(inputs, config, false);
    }

    private static PpoLossResult run(PpoInputs in, PpoConfig config, boolean gradients) {
        Objects.requireNonNull(in, "inputs: expected PpoInputs, found null");
        Objects.requireNonNull(config, "config: expected a PpoConfig, found null");
        KernelDtype dtype = validate(in, config, gradients);
        Tensor gradLogp = gradients ? torch.empty_like(in.logp()) : null;
        Tensor gradValues = gradients && in.values() != null ? torch.empty_like(in.logp()) : null;
        Tensor gradEntropy = gradients && in.entropy() != null ? torch.empty_like(in.logp()) : null;
        double[] stats = new double[RlaifNative.RLAIF_PPO_NUM_STATS];
        Tensor loss = launch(in, config, dtype, gradLogp, gradValues, gradEntropy, stats);
        PpoLossResult result = new PpoLossResult(loss, PpoStats.fromNative(stats), gradLogp, gradValues, gradEntropy,
                in);
        if (config.failOnNaN() && result.stats().nanTokens() > 0) {
            result.close();
            throw new IllegalArgumentException(describeNaN(in));
        }
        return result;
    }

    /** Runs the kernel on the inputs' device; fills {@code stats} and returns the loss as a tensor there. */
    private static Tensor launch(PpoInputs in, PpoConfig config, KernelDtype dtype, Tensor gradLogp, Tensor gradValues,
            Tensor gradEntropy, double[] stats) {
        long b = in.logp().size(0);
        long t = in.logp().size(1);
        try (RlaifNative.PpoOptions options = config.toNative()) {
            if (in.logp().is_cuda()) {
                return runCuda(in, dtype, b, t, options, gradLogp, gradValues, gradEntropy, stats);
            }
            runCpu(in, dtype, b, t, options, gradLogp, gradValues, gradEntropy, stats);
            return scalar(stats[RlaifNative.RLAIF_PPO_STAT_LOSS]);
        }
    }

    private static void runCpu(PpoInputs in, KernelDtype dtype, long b, long t, RlaifNative.PpoOptions options,
            Tensor gradLogp, Tensor gradValues, Tensor gradEntropy, double[] stats) {
        long bytes = RlaifNative.rlaif_ppo_loss_workspace_bytes(b, t);
        try (Tensor workspace = Tensors.empty(ScalarType.Byte, bytes)) {
            NativeStatus.check(RlaifNative.rlaif_ppo_loss(dtype.code, ptr(in.logp()), ptr(in.oldLogp()),
                    ptr(in.advantages()), ptr(in.mask()), ptr(in.refLogp()), ptr(in.values()), ptr(in.oldValues()),
                    ptr(in.returns()), ptr(in.entropy()), ptr(in.isWeights()), b, t, options, ptr(gradLogp),
                    ptr(gradValues), ptr(gradEntropy), stats, workspace.data_ptr()), KERNEL);
        }
    }

    /** Runs on the tensors' stream, copies the statistics back, returns the loss as a device tensor. */
    private static Tensor runCuda(PpoInputs in, KernelDtype dtype, long b, long t, RlaifNative.PpoOptions options,
            Tensor gradLogp, Tensor gradValues, Tensor gradEntropy, double[] stats) {
        CudaStreams.requireCudaKernels(KERNEL);
        long bytes = RlaifCudaNative.rlaif_ppo_loss_cuda_workspace_bytes(b, t);
        Tensor logp = in.logp();
        try (TensorOptions u8 = Tensors.options(ScalarType.Byte);
                TensorOptions f64 = Tensors.options(ScalarType.Double);
                Tensor workspace = logp.new_empty(new long[] {bytes}, u8);
                Tensor deviceStats = logp.new_empty(new long[] {stats.length}, f64)) {
            NativeStatus.check(RlaifCudaNative.rlaif_ppo_loss_cuda(dtype.code, ptr(logp), ptr(in.oldLogp()),
                    ptr(in.advantages()), ptr(in.mask()), ptr(in.refLogp()), ptr(in.values()), ptr(in.oldValues()),
                    ptr(in.returns()), ptr(in.entropy()), ptr(in.isWeights()), b, t, options, ptr(gradLogp),
                    ptr(gradValues), ptr(gradEntropy), deviceStats.data_ptr(), workspace.data_ptr(), CudaStreams.current(logp)),
                    KERNEL);
            try (Tensor host = deviceStats.cpu(); Tensor lossElement = deviceStats.select(0, 0)) {
                host.data_ptr_double().get(stats);
                return lossElement.toType(ScalarType.Float);
            }
        }
    }

    private static Pointer ptr(Tensor t) {
        return t == null ? null : t.data_ptr();
    }

    private static Tensor scalar(double value) {
        Tensor s = Tensors.empty(ScalarType.Float);
        try (Scalar v = new Scalar(value)) {
            s.fill_(v);
        }
        return s;
    }

    /** Checks every argument; returns the element type. */
    private static KernelDtype validate(PpoInputs in, PpoConfig config, boolean gradients) {
        Tensor logp = in.logp();
        requirePresent(logp, "logp");
        requirePresent(in.oldLogp(), "oldLogp");
        requirePresent(in.advantages(), "advantages");
        requirePresent(in.mask(), "mask");
        requireSupportedDevice(logp, "logp");
        requireRank(logp, "logp", 2, "[B, T]");
        requireNonEmpty(logp, "logp");
        KernelDtype dtype = KernelDtype.of(logp, "logp");
        requireContiguous(logp, "logp");
        for (Map.Entry<String, Tensor> e : others(in).entrySet()) {
            String name = e.getKey();
            Tensor x = e.getValue();
            if (x == null) {
                continue;
            }
            requirePresent(x, name);
            requireSameShape(x, name, logp, "logp");
            if (name.equals("mask")) {
                requireMaskDtype(x, name);
            } else {
                requireSameDtype(x, name, logp, "logp");
            }
            requireContiguous(x, name);
            requireSameDevice(x, name, logp, "logp");
        }
        requireValueTriple(in);
        requireWhenWeighted(in.values(), "values", config.vfCoef(), "vfCoef");
        requireWhenWeighted(in.refLogp(), "refLogp", config.klCoef(), "klCoef");
        requireWhenWeighted(in.entropy(), "entropy", config.entCoef(), "entCoef");
        if (gradients) {
            requireConstant(in.oldLogp(), "oldLogp");
            requireConstant(in.advantages(), "advantages");
            requireConstant(in.refLogp(), "refLogp");
            requireConstant(in.oldValues(), "oldValues");
            requireConstant(in.returns(), "returns");
            requireConstant(in.isWeights(), "isWeights");
        }
        return dtype;
    }

    /** The inputs other than logp, by name, in a fixed order. */
    private static Map<String, Tensor> others(PpoInputs in) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("oldLogp", in.oldLogp());
        m.put("advantages", in.advantages());
        m.put("mask", in.mask());
        m.put("refLogp", in.refLogp());
        m.put("values", in.values());
        m.put("oldValues", in.oldValues());
        m.put("returns", in.returns());
        m.put("entropy", in.entropy());
        m.put("isWeights", in.isWeights());
        return m;
    }

    private static void requireValueTriple(PpoInputs in) {
        boolean any = in.values() != null || in.oldValues() != null || in.returns() != null;
        String[] names = {"values", "oldValues", "returns"};
        Tensor[] tensors = {in.values(), in.oldValues(), in.returns()};
        for (int i = 0; i < 3 && any; i++) {
            if (tensors[i] == null) {
                throw new IllegalArgumentException(
                        names[i] + ": expected a tensor (values, oldValues and returns come together), found null");
            }
        }
    }

    private static void requireWhenWeighted(Tensor t, String name, double coef, String coefName) {
        if (coef > 0.0 && t == null) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "%s: expected a tensor when %s > 0, found null", name, coefName));
        }
    }

    private static void requireConstant(Tensor t, String name) {
        if (t != null && t.requires_grad()) {
            throw new IllegalArgumentException(name + ": expected a tensor that does not require grad (the loss "
                    + "treats it as a constant), found one that requires grad; pass " + name + ".detach()");
        }
    }

    // Error path only: the first NaN at a valid position, by input and [row, column].
    private static String describeNaN(PpoInputs in) {
        boolean[] valid = Tensors.toMask(in.mask());
        long t = in.logp().size(1);
        Map<String, Tensor> all = new LinkedHashMap<>();
        all.put("logp", in.logp());
        all.putAll(others(in));
        all.remove("mask");
        for (Map.Entry<String, Tensor> e : all.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            float[] x = Tensors.toFloats(e.getValue());
            for (int i = 0; i < x.length; i++) {
                if (valid[i] && Float.isNaN(x[i])) {
                    return String.format(Locale.ROOT,
                            "%s: expected no NaN at valid positions, found NaN at [%d, %d] "
                                    + "(PpoConfig.withFailOnNaN(false) counts NaN tokens instead)",
                            e.getKey(), i / t, i % t);
                }
            }
        }
        return "inputs: expected no NaN at valid positions, found NaN tokens";
    }
}
