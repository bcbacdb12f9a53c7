package org.rlaif4j.kernels;

import org.rlaif4j.kernels.bindings.RlaifCudaNative;
import org.rlaif4j.kernels.bindings.RlaifNative;

/** Turns native return codes into Java exceptions. */
final class NativeStatus {
    private NativeStatus() {}

    static void check(int status, String kernel) {
        if (status == RlaifNative.RLAIF_OK) {
            return;
        }
        if (status == RlaifNative.RLAIF_ERR_NO_CUDA) {
            throw new UnsupportedOperationException(kernel + ": got CUDA tensors, but the loaded rlaif native library "
                    + "was built without CUDA kernels (build with nvcc present, or -Prlaif.cuda=ON)");
        }
        if (status == RlaifNative.RLAIF_ERR_CUDA) {
            throw new IllegalStateException(kernel + ": CUDA error: " + RlaifCudaNative.rlaif_cuda_last_error());
        }
        // Arguments are validated in Java first, so reaching here is a bug of ours.
        throw new IllegalStateException(kernel + ": native kernel failed with status " + status + " ("
                + RlaifNative.rlaif_status_string(status) + ")");
    }
}
