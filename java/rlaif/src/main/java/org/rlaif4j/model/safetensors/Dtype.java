package org.rlaif4j.model.safetensors;

import java.util.Locale;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The safetensors element types this project reads and writes. */
public enum Dtype {
    F32(4, ScalarType.Float),
    F16(2, ScalarType.Half),
    BF16(2, ScalarType.BFloat16),
    I64(8, ScalarType.Long);

    private final int bytes;
    private final ScalarType scalarType;

    Dtype(int bytes, ScalarType scalarType) {
        this.bytes = bytes;
        this.scalarType = scalarType;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The matching libtorch dtype. */
    public ScalarType scalarType() {
        return scalarType;
    }

    /** Parses a header dtype string ("F32", "BF16", ...); unknown or unsupported names are rejected. */
    public static Dtype parse(String name, String tensor) {
        for (Dtype d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new SafetensorsException(String.format(Locale.ROOT,
                "tensor '%s': unsupported dtype '%s' (expected one of F32, F16, BF16, I64)", tensor, name));
    }

    /** The safetensors dtype of a libtorch dtype. */
    public static Dtype of(ScalarType st) {
        ScalarType s = st.intern();
        for (Dtype d : values()) {
            if (d.scalarType == s) {
                return d;
            }
        }
        throw new IllegalArgumentException("dtype: expected float32, float16, bfloat16 or int64, found " + s);
    }
}
