package org.rlaif4j.kernels;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.bindings.RlaifNative;

/** Element types the kernels accept for floating-point data, with their native codes. */
enum KernelDtype {
    FLOAT32(ScalarType.Float, RlaifNative.RLAIF_DTYPE_F32),
    BFLOAT16(ScalarType.BFloat16, RlaifNative.RLAIF_DTYPE_BF16);

    final ScalarType scalarType;
    final int code;

    KernelDtype(ScalarType scalarType, int code) {
        this.scalarType = scalarType;
        this.code = code;
    }

    /** The kernel dtype of {@code t}, or an IllegalArgumentException naming {@code name}. */
    static KernelDtype of(Tensor t, String name) {
        ScalarType st = TensorChecks.dtype(t);
        for (KernelDtype d : values()) {
            if (d.scalarType == st) {
                return d;
            }
        }
        throw new IllegalArgumentException(
                name + ": expected dtype float32 or bfloat16, found " + TensorChecks.dtypeName(st));
    }
}
