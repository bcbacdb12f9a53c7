package org.rlaif4j.kernels;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.kernels.bindings.RlaifCudaNative;
import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * Calls of the native log-prob kernels on [n, V] logits (a whole batch or one chunk of rows),
 * dispatched on the logits' device. Pointers may point into the middle of larger tensors.
 */
final class LogProbsKernel {
    private LogProbsKernel() {}

    static final String KERNEL = "LogProbs";

    static int forward(KernelDtype dtype, Tensor logits, long n, long v, Pointer targets, Pointer mask,
            LogProbsConfig c, Pointer logp, Pointer entropy, Pointer lse, Pointer topValues, Pointer topIndices) {
        if (logits.is_cuda()) {
            CudaStreams.requireCudaKernels(KERNEL);
            return RlaifCudaNative.rlaif_logprobs_forward_cuda(dtype.code, logits.data_ptr(), n, v, targets, mask,
                    (float) c.temperature(), c.ignoreIndex(), logp, entropy, lse, topValues == null ? 0 : c.topK(),
                    topValues, topIndices, CudaStreams.current(logits));
        }
        return RlaifNative.rlaif_logprobs_forward(dtype.code, logits.data_ptr(), n, v, targets, mask,
                (float) c.temperature(), c.ignoreIndex(), logp, entropy, lse, topValues == null ? 0 : c.topK(),
                topValues, topIndices);
    }

    static void backward(KernelDtype dtype, Tensor logits, long n, long v, Pointer targets, Pointer mask,
            LogProbsConfig c, Pointer lse, Pointer entropy, Pointer gradLogp, Pointer gradEntropy, Tensor gradLogits) {
        int status;
        if (logits.is_cuda()) {
            status = RlaifCudaNative.rlaif_logprobs_backward_cuda(dtype.code, logits.data_ptr(), n, v, targets, mask,
                    (float) c.temperature(), c.ignoreIndex(), lse, entropy, gradLogp, gradEntropy,
                    gradLogits.data_ptr(), CudaStreams.current(logits));
        } else {
            status = RlaifNative.rlaif_logprobs_backward(dtype.code, logits.data_ptr(), n, v, targets, mask,
                    (float) c.temperature(), c.ignoreIndex(), lse, entropy, gradLogp, gradEntropy,
                    gradLogits.data_ptr());
        }
        NativeStatus.check(status, KERNEL + ".backward");
    }

    static Pointer ptr(Tensor t) {
        return t == null ? null : t.data_ptr();
    }
}
