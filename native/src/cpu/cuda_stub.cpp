// The CUDA half of the library when it is built without nvcc: every entry
// reports RLAIF_ERR_NO_CUDA, so callers get a clear error instead of a
// missing symbol, and one Java binding serves both kinds of build.
#include "rlaif/cuda.h"
#include "rlaif/gae.h"
#include "rlaif/logprobs.h"
#include "rlaif/ppo_loss.h"
#include "rlaif/whiten.h"

extern "C" int rlaif_cuda_compiled(void) { return 0; }
extern "C" const char *rlaif_cuda_architectures(void) { return ""; }
extern "C" int rlaif_cuda_device_count(void) { return 0; }
extern "C" const char *rlaif_cuda_last_error(void) { return ""; }

extern "C" int rlaif_gae_cuda(int, const void *, const void *, const uint8_t *, const void *, int64_t, int64_t, float,
                              float, void *, void *, int32_t *, cudaStream_t) {
    return RLAIF_ERR_NO_CUDA;
}
extern "C" int rlaif_masked_stats_cuda(int, const void *, const uint8_t *, int64_t, double *, cudaStream_t) {
    return RLAIF_ERR_NO_CUDA;
}
extern "C" int rlaif_whiten_cuda(int, const void *, const uint8_t *, int64_t, int, double, void *, double *,
                                 cudaStream_t) {
    return RLAIF_ERR_NO_CUDA;
}
extern "C" int rlaif_logprobs_forward_cuda(int, const void *, int64_t, int64_t, const int64_t *, const uint8_t *, float,
                                           int64_t, float *, float *, float *, int64_t, float *, int64_t *,
                                           cudaStream_t) {
    return RLAIF_ERR_NO_CUDA;
}
extern "C" int rlaif_logprobs_backward_cuda(int, const void *, int64_t, int64_t, const int64_t *, const uint8_t *,
                                            float, int64_t, const float *, const float *, const float *,
                                            const float *, void *, cudaStream_t) {
    return RLAIF_ERR_NO_CUDA;
}
extern "C" int64_t rlaif_ppo_loss_cuda_workspace_bytes(int64_t, int64_t) { return RLAIF_ERR_NO_CUDA; }
extern "C" int rlaif_ppo_loss_cuda(int, const void *, const void *, const void *, const uint8_t *, const void *,
                                   const void *, const void *, const void *, const void *, const void *, int64_t,
                                   int64_t,
                                   const rlaif_ppo_options *, void *, void *, void *, double *, void *,
                                   cudaStream_t) {
    return RLAIF_ERR_NO_CUDA;
}
