package org.rlaif4j.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Copies between Java arrays and CPU tensors, done the way known to be safe with these
 * bindings: allocate with {@code empty}, then one bulk copy through a pointer of the right type
 * (never {@code from_blob} on Java memory, never a typed pointer of another dtype).
 */
public final class Tensors {
    private Tensors() {}

    /** A new contiguous float32 CPU tensor holding {@code data} with the given shape. */
    public static Tensor fromFloats(float[] data, long... shape) {
        checkLength(data.length, shape);
        Tensor t = empty(ScalarType.Float, shape);
        if (data.length > 0) { // an empty tensor has no data pointer
            t.data_ptr_float().put(data);
        }
        return t;
    }

    /** A new contiguous bool CPU tensor holding {@code data} with the given shape. */
    public static Tensor fromMask(boolean[] data, long... shape) {
        checkLength(data.length, shape);
        byte[] bytes = new byte[data.length];
        for (int i = 0; i < data.length; i++) {
            bytes[i] = data[i] ? (byte) 1 : (byte) 0;
        }
        Tensor t = empty(ScalarType.Bool, shape);
        if (bytes.length > 0) {
            new BytePointer(t.data_ptr()).put(bytes);
        }
        return t;
    }

    /** The elements of any floating-point tensor on any device, converted to float32, in row-major order. */
    public static float[] toFloats(Tensor t) {
        try (Device cpu = new Device("cpu"); Tensor c = t.to(cpu, ScalarType.Float).contiguous()) {
            float[] out = new float[Math.toIntExact(c.numel())];
            if (out.length > 0) {
                c.data_ptr_float().get(out);
            }
            return out;
        }
    }

    /** The elements of a bool or uint8 tensor on any device as booleans (nonzero = true). */
    public static boolean[] toMask(Tensor t) {
        try (Device cpu = new Device("cpu"); Tensor c = t.to(cpu, ScalarType.Byte).contiguous()) {
            byte[] bytes = new byte[Math.toIntExact(c.numel())];
            if (bytes.length > 0) {
                c.data_ptr_byte().get(bytes);
            }
            boolean[] out = new boolean[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                out[i] = bytes[i] != 0;
            }
            return out;
        }
    }

    /** The elements of an integer tensor on any device as int64, in row-major order. */
    public static long[] toLongs(Tensor t) {
        try (Device cpu = new Device("cpu"); Tensor c = t.to(cpu, ScalarType.Long).contiguous()) {
            long[] out = new long[Math.toIntExact(c.numel())];
            if (out.length > 0) {
                c.data_ptr_long().get(out);
            }
            return out;
        }
    }

    /** A new contiguous int64 CPU tensor holding {@code data} with the given shape. */
    public static Tensor fromLongs(long[] data, long... shape) {
        checkLength(data.length, shape);
        Tensor t = empty(ScalarType.Long, shape);
        if (data.length > 0) {
            t.data_ptr_long().put(data);
        }
        return t;
    }

    static Tensor empty(ScalarType dtype, long... shape) {
        try (TensorOptions options = options(dtype); MemoryFormatOptional format = new MemoryFormatOptional()) {
            return torch.empty(shape, options, format);
        }
    }

    /**
     * Options with the given dtype. (The binding's {@code new TensorOptions(ScalarType)}
     * constructor does not set the dtype: it yields uint8 tensors.)
     */
    public static TensorOptions options(ScalarType dtype) {
        try (ScalarTypeOptional st = new ScalarTypeOptional(dtype)) {
            return new TensorOptions().dtype(st);
        }
    }

    private static void checkLength(int length, long... shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("shape: expected non-negative sizes, found " + java.util.Arrays.toString(shape));
            }
            n *= s;
        }
        if (n != length) {
            throw new IllegalArgumentException("data: expected " + n + " elements for shape "
                    + java.util.Arrays.toString(shape) + ", found " + length);
        }
    }
}
