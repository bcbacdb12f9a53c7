// GAE over masked rows on the GPU. Same contract as the CPU kernel
// (include/rlaif/gae.h); one thread walks one row backwards.
//
// Rows are independent and the recursion is sequential, so a thread per row
// is the direct mapping; neighbouring threads read neighbouring rows, which
// share cache sectors over successive steps. A chunked parallel scan of the
// affine recurrence would use more of the GPU when B is small: future work,
// measured first.
#include "rlaif/gae.h"

#include "../common/dtype.h"
#include "cuda_common.cuh"

namespace {

using rlaif::bf16;
using rlaif::load;
using rlaif::store;

template <typename E>
__global__ void gae_kernel(const E *__restrict__ rewards, const E *__restrict__ values,
                           const uint8_t *__restrict__ mask, const E *__restrict__ bootstrap, int64_t B,
                           int64_t T, float gamma, float gl, E *__restrict__ adv, E *__restrict__ ret,
                           int32_t *__restrict__ nan_flag) {
    const int64_t b = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (b >= B) return;
    float last = 0.0f;
    float next_v = bootstrap != nullptr ? load(bootstrap[b]) : 0.0f;
    bool any_valid = false;
    const int64_t base = b * T;
    for (int64_t t = T - 1; t >= 0; --t) {
        const int64_t i = base + t;
        const bool valid = mask[i] != 0;
        const float r = load(rewards[i]);
        const float v = load(values[i]);
        const float a = (r + gamma * next_v - v) + gl * last;
        last = valid ? a : last;
        next_v = valid ? v : next_v;
        any_valid = any_valid || valid;
        adv[i] = store<E>(valid ? a : 0.0f);
        ret[i] = store<E>(valid ? a + v : 0.0f);
    }
    if (nan_flag != nullptr && any_valid && isnan(last)) atomicExch(nan_flag, 1);
}

template <typename E>
int launch(const void *rewards, const void *values, const uint8_t *mask, const void *bootstrap, int64_t B, int64_t T,
           float gamma, float lambda, void *adv, void *ret, int32_t *nan_flag, cudaStream_t stream) {
    const int threads = 128;
    const int blocks = static_cast<int>((B + threads - 1) / threads);
    gae_kernel<E><<<blocks, threads, 0, stream>>>(
        static_cast<const E *>(rewards), static_cast<const E *>(values), mask, static_cast<const E *>(bootstrap), B,
        T, gamma, gamma * lambda, static_cast<E *>(adv), static_cast<E *>(ret), nan_flag);
    return rlaif::cuda_status(cudaGetLastError());
}

}  // namespace

extern "C" int rlaif_gae_cuda(int dtype, const void *rewards, const void *values, const uint8_t *mask,
                              const void *bootstrap, int64_t B, int64_t T, float gamma, float lambda,
                              void *advantages, void *returns, int32_t *nan_flag, cudaStream_t stream) {
    if (B < 0 || T < 0) return RLAIF_ERR_INVALID_ARGUMENT;
    if (!(gamma >= 0.0f && gamma <= 1.0f) || !(lambda >= 0.0f && lambda <= 1.0f)) return RLAIF_ERR_INVALID_ARGUMENT;
    if (nan_flag != nullptr) {
        const int st = rlaif::cuda_status(cudaMemsetAsync(nan_flag, 0, sizeof(int32_t), stream));
        if (st != RLAIF_OK) return st;
    }
    if (B == 0 || T == 0) return RLAIF_OK;
    if (!rewards || !values || !mask || !advantages || !returns) return RLAIF_ERR_INVALID_ARGUMENT;
    switch (dtype) {
        case RLAIF_DTYPE_F32:
            return launch<float>(rewards, values, mask, bootstrap, B, T, gamma, lambda, advantages, returns, nan_flag,
                                 stream);
        case RLAIF_DTYPE_BF16:
            return launch<bf16>(rewards, values, mask, bootstrap, B, T, gamma, lambda, advantages, returns, nan_flag,
                                stream);
        default:
            return RLAIF_ERR_INVALID_ARGUMENT;
    }
}
