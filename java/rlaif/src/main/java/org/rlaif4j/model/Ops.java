package org.rlaif4j.model;

import java.util.Arrays;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.Tensors;

/** Small tensor helpers shared by the models: int64 copies, dtype checks, and scoped computation. */
public final class Ops {
    private Ops() {}

    /**
     * Runs {@code body} inside its own {@link PointerScope}, so its temporaries are freed on return,
     * and hands the result to the caller's scope (or, with no scope open, keeps it alive until it is
     * closed or collected).
     */
    public static <T extends Pointer> T scoped(Supplier<T> body) {
        PointerScope outer = PointerScope.getInnerScope();
        try (PointerScope ignored = new PointerScope()) {
            T result = body.get();
            keep(result, outer);
            return result;
        }
    }

    /** Like {@link #scoped} for several results. */
    public static Tensor[] scopedAll(Supplier<Tensor[]> body) {
        PointerScope outer = PointerScope.getInnerScope();
        try (PointerScope ignored = new PointerScope()) {
            Tensor[] result = body.get();
            for (Tensor t : result) {
                keep(t, outer);
            }
            return result;
        }
    }

    private static void keep(Pointer p, PointerScope outer) {
        if (p == null) {
            return;
        }
        if (outer != null) {
            outer.attach(p);
        } else {
            p.retainReference();
        }
    }

    /**
     * Marks a long-lived tensor (parameter, cache buffer) so that no {@link PointerScope} closing
     * around its creation frees it; it is freed when collected.
     */
    public static Tensor persistent(Tensor t) {
        t.retainReference();
        return t;
    }

    /** A new contiguous int64 CPU tensor holding {@code data} with {@code shape}. */
    public static Tensor fromLongs(long[] data, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("data: expected " + n + " elements for shape "
                    + Arrays.toString(shape) + ", found " + data.length);
        }
        Tensor t = empty(ScalarType.Long, shape);
        if (data.length > 0) {
            t.data_ptr_long().put(data);
        }
        return t;
    }

    /** The elements of an integer or bool tensor as int64, row-major. */
    public static long[] toLongs(Tensor t) {
        try (PointerScope ignored = new PointerScope()) {
            Tensor c = t.cpu().to(ScalarType.Long).contiguous();
            long[] out = new long[Math.toIntExact(c.numel())];
            if (out.length > 0) {
                c.data_ptr_long().get(out);
            }
            return out;
        }
    }

    /** The elements of a floating tensor as float32, row-major. */
    public static float[] toFloats(Tensor t) {
        try (PointerScope ignored = new PointerScope()) {
            return Tensors.toFloats(t.detach());
        }
    }

    public static Tensor empty(ScalarType dtype, long... shape) {
        try (TensorOptions o = Tensors.options(dtype); MemoryFormatOptional f = new MemoryFormatOptional()) {
            return torch.empty(shape, o, f);
        }
    }

    public static Tensor zeros(ScalarType dtype, long... shape) {
        try (TensorOptions o = Tensors.options(dtype)) {
            return torch.zeros(shape, o);
        }
    }

    /** {@code [start, end)} as int64. */
    public static Tensor arange(long start, long end) {
        try (TensorOptions o = Tensors.options(ScalarType.Long); Scalar s = new Scalar(start); Scalar e = new Scalar(end)) {
            return torch.arange(s, e, o);
        }
    }

    public static Scalar scalar(double v) {
        return new Scalar(v);
    }

    /** An integer scalar (keeps int64 tensors int64 under type promotion). */
    public static Scalar scalar(long v) {
        return new Scalar(v);
    }

    /** The tensor's dtype as the canonical enum constant (the binding returns fresh instances). */
    public static ScalarType dtype(Tensor t) {
        return t.scalar_type().intern();
    }

    public static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }
}
