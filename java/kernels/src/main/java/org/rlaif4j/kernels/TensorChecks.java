package org.rlaif4j.kernels;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Argument checks shared by the kernel APIs. Every failure is an IllegalArgumentException
 * (NullPointerException for a missing tensor) whose message names the argument, what was
 * expected and what was found.
 */
final class TensorChecks {
    private TensorChecks() {}

    static Tensor requirePresent(Tensor t, String name) {
        Objects.requireNonNull(t, () -> name + ": expected a tensor, found null");
        if (t.isNull() || !t.defined()) {
            throw new IllegalArgumentException(name + ": expected a defined tensor, found an undefined one");
        }
        return t;
    }

    static void requireRank(Tensor t, String name, int rank, String layout) {
        if (t.dim() != rank) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: expected a %d-D tensor %s, found %d-D %s",
                    name, rank, layout, t.dim(), shape(t)));
        }
    }

    static void requireNonEmpty(Tensor t, String name) {
        long[] s = sizes(t);
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s: expected every dimension to be at least 1, found size 0 in dimension %d of %s", name, i,
                        shape(t)));
            }
        }
    }

    static void requireSameShape(Tensor t, String name, Tensor ref, String refName) {
        if (!Arrays.equals(sizes(t), sizes(ref))) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: expected shape %s (the shape of %s), found %s",
                    name, shape(ref), refName, shape(t)));
        }
    }

    static void requireSameDtype(Tensor t, String name, Tensor ref, String refName) {
        if (dtype(t) != dtype(ref)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: expected dtype %s (the dtype of %s), found %s",
                    name, dtypeName(dtype(ref)), refName, dtypeName(dtype(t))));
        }
    }

    static void requireMaskDtype(Tensor mask, String name) {
        ScalarType st = dtype(mask);
        if (st != ScalarType.Bool && st != ScalarType.Byte) {
            throw new IllegalArgumentException(
                    name + ": expected dtype bool or uint8, found " + dtypeName(st));
        }
    }

    static void requireContiguous(Tensor t, String name) {
        if (!t.is_contiguous()) {
            throw new IllegalArgumentException(name + ": expected a contiguous tensor, found a non-contiguous "
                    + shape(t) + " view; call .contiguous() first");
        }
    }

    static void requireSameDevice(Tensor t, String name, Tensor ref, String refName) {
        String a = deviceName(t);
        String b = deviceName(ref);
        if (!a.equals(b)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: expected device %s (the device of %s), found %s",
                    name, b, refName, a));
        }
    }

    static void requireSupportedDevice(Tensor t, String name) {
        if (!t.is_cpu() && !t.is_cuda()) {
            throw new IllegalArgumentException(name + ": expected a cpu or cuda tensor, found device " + deviceName(t));
        }
    }

    /**
     * A caller-allocated output: present, contiguous, with the shape, dtype and device of
     * {@code like}, and not the memory of any of {@code inputs} (nulls ignored).
     */
    static void requireOutput(Tensor out, String name, Tensor like, String likeName, Tensor... inputs) {
        requirePresent(out, name);
        requireSameShape(out, name, like, likeName);
        requireSameDtype(out, name, like, likeName);
        requireContiguous(out, name);
        requireSameDevice(out, name, like, likeName);
        for (Tensor in : inputs) {
            if (in != null && in.data_ptr().address() == out.data_ptr().address()) {
                throw new IllegalArgumentException(name + ": expected memory of its own, found it aliasing an input");
            }
        }
    }

    static void requireUnitInterval(double v, String name) {
        if (!(v >= 0.0 && v <= 1.0)) {
            throw new IllegalArgumentException(name + ": expected a value in [0, 1], found " + v);
        }
    }

    /**
     * The tensor's dtype as the canonical enum constant. The binding returns a fresh enum
     * instance per call, so {@code ==}, {@code equals} and {@code switch} only work after
     * {@code intern()}.
     */
    static ScalarType dtype(Tensor t) {
        return t.scalar_type().intern();
    }

    static long[] sizes(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }

    static String shape(Tensor t) {
        return Arrays.toString(sizes(t));
    }

    static String deviceName(Tensor t) {
        if (t.is_cpu()) {
            return "cpu";
        }
        try (Device d = t.device()) {
            String type = d.type().intern().name().toLowerCase(Locale.ROOT);
            return d.has_index() ? type + ":" + d.index() : type;
        }
    }

    static String dtypeName(ScalarType st) {
        switch (st.intern()) {
            case Float: return "float32";
            case Double: return "float64";
            case Half: return "float16";
            case BFloat16: return "bfloat16";
            case Bool: return "bool";
            case Byte: return "uint8";
            case Char: return "int8";
            case Short: return "int16";
            case Int: return "int32";
            case Long: return "int64";
            default: return st.name().toLowerCase(Locale.ROOT);
        }
    }
}
