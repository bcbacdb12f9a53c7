package org.rlaif4j.kernels;

import java.lang.reflect.Method;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.cuda.CUDAStream;
import org.bytedeco.pytorch.global.torch_cuda;
import org.rlaif4j.kernels.bindings.RlaifCudaNative;
import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * libtorch's current CUDA stream for a tensor's device, as the raw {@code cudaStream_t} our
 * CUDA entries take, so kernels order correctly with the caller's libtorch work.
 */
final class CudaStreams {
    private CudaStreams() {}

    /** Fails clearly when the native library has no CUDA kernels, before any CUDA call. */
    static void requireCudaKernels(String kernel) {
        if (RlaifCudaNative.rlaif_cuda_compiled() == 0) {
            NativeStatus.check(RlaifNative.RLAIF_ERR_NO_CUDA, kernel);
        }
    }

    static Pointer current(Tensor onDevice) {
        byte index;
        try (Device d = onDevice.device()) {
            index = d.index();
        }
        CUDAStream stream = torch_cuda.getCurrentCUDAStream(index);
        // CUDAStream.stream() returns a type from org.bytedeco:cuda, which only the gpu build has
        // on its class path; reflection keeps this module free of that dependency.
        try {
            Method m = CUDAStream.class.getMethod("stream");
            return (Pointer) m.invoke(stream);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read the current CUDA stream from libtorch: " + e, e);
        }
    }
}
