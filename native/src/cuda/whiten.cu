// Masked statistics and whitening on the GPU (contract: include/rlaif/whiten.h).
//
// Three small kernels on one stream, all state in the caller's device buffer
// `stats` (three doubles), so nothing synchronises with the host:
//   1. sum and count of valid x (float64 block sums, one atomicAdd per block),
//   2. sum of squared deviations from that mean (exact two-pass variance),
//   3. finalise {count, mean, var} in place, then optionally write `out`.
#include "rlaif/whiten.h"

#include "../common/dtype.h"
#include "cuda_common.cuh"

namespace {

using rlaif::bf16;
using rlaif::load;
using rlaif::store;

constexpr int kThreads = 256;
constexpr int kMaxBlocks = 4096;

__device__ double block_sum(double v, double *shared) {
    for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    v = threadIdx.x < (blockDim.x >> 5) ? shared[threadIdx.x] : 0.0;
    if (warp == 0)
        for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
    __syncthreads();
    return v;
}

template <typename E>
__global__ void sum_kernel(const E *__restrict__ x, const uint8_t *__restrict__ mask, int64_t n, double *acc) {
    __shared__ double shared[32];
    double s = 0.0, c = 0.0;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const bool valid = mask[i] != 0;
        s += valid ? static_cast<double>(load(x[i])) : 0.0;
        c += valid ? 1.0 : 0.0;
    }
    s = block_sum(s, shared);
    c = block_sum(c, shared);
    if (threadIdx.x == 0) {
        atomicAdd(&acc[0], c);
        atomicAdd(&acc[1], s);
    }
}

template <typename E>
__global__ void dev_kernel(const E *__restrict__ x, const uint8_t *__restrict__ mask, int64_t n, double *acc) {
    __shared__ double shared[32];
    const double mean = acc[0] > 0.0 ? acc[1] / acc[0] : 0.0;
    double ss = 0.0;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const double d = static_cast<double>(load(x[i])) - mean;
        ss += mask[i] != 0 ? d * d : 0.0;
    }
    ss = block_sum(ss, shared);
    if (threadIdx.x == 0) atomicAdd(&acc[2], ss);
}

// {count, sum, m2} -> {count, mean, unbiased var}
__global__ void finalize_kernel(double *acc) {
    const double c = acc[0];
    const double nan = __longlong_as_double(0x7ff8000000000000LL);
    acc[1] = c > 0.0 ? acc[1] / c : nan;
    acc[2] = c >= 2.0 ? acc[2] / (c - 1.0) : nan;
    if (isnan(acc[1])) acc[2] = nan;
}

template <typename E>
__global__ void whiten_kernel(const E *x, const uint8_t *__restrict__ mask, int64_t n, const double *__restrict__ st,
                              bool shift_mean, double eps, E *out) {
    const double c = st[0];
    const double mean = c > 0.0 ? st[1] : 0.0;
    const double var = c >= 2.0 ? st[2] : 0.0;
    const double inv = rsqrt(var + eps);
    const double add = shift_mean ? 0.0 : mean;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const double w = (static_cast<double>(load(x[i])) - mean) * inv + add;
        out[i] = store<E>(mask[i] != 0 ? static_cast<float>(w) : 0.0f);
    }
}

template <typename E>
int run(const void *xv, const uint8_t *mask, int64_t n, bool whiten, bool shift_mean, double eps, void *out,
        double *stats, cudaStream_t stream) {
    const E *x = static_cast<const E *>(xv);
    int st = rlaif::cuda_status(cudaMemsetAsync(stats, 0, 3 * sizeof(double), stream));
    if (st != RLAIF_OK) return st;
    const int blocks = rlaif::blocks_for(n, kThreads, kMaxBlocks);
    if (n > 0) {
        sum_kernel<E><<<blocks, kThreads, 0, stream>>>(x, mask, n, stats);
        dev_kernel<E><<<blocks, kThreads, 0, stream>>>(x, mask, n, stats);
    }
    finalize_kernel<<<1, 1, 0, stream>>>(stats);
    if (whiten && n > 0) whiten_kernel<E><<<blocks, kThreads, 0, stream>>>(x, mask, n, stats, shift_mean, eps, static_cast<E *>(out));
    return rlaif::cuda_status(cudaGetLastError());
}

int dispatch(int dtype, const void *x, const uint8_t *mask, int64_t n, bool whiten, bool shift_mean, double eps,
             void *out, double *stats, cudaStream_t stream) {
    if (n < 0 || !(eps >= 0.0) || stats == nullptr) return RLAIF_ERR_INVALID_ARGUMENT;
    if (n > 0 && (x == nullptr || mask == nullptr || (whiten && out == nullptr))) return RLAIF_ERR_INVALID_ARGUMENT;
    switch (dtype) {
        case RLAIF_DTYPE_F32: return run<float>(x, mask, n, whiten, shift_mean, eps, out, stats, stream);
        case RLAIF_DTYPE_BF16: return run<bf16>(x, mask, n, whiten, shift_mean, eps, out, stats, stream);
        default: return RLAIF_ERR_INVALID_ARGUMENT;
    }
}

}  // namespace

extern "C" int rlaif_masked_stats_cuda(int dtype, const void *x, const uint8_t *mask, int64_t n, double *stats,
                                       cudaStream_t stream) {
    return dispatch(dtype, x, mask, n, false, false, 0.0, nullptr, stats, stream);
}

extern "C" int rlaif_whiten_cuda(int dtype, const void *x, const uint8_t *mask, int64_t n, int shift_mean,
                                 double eps, void *out, double *stats, cudaStream_t stream) {
    return dispatch(dtype, x, mask, n, true, shift_mean != 0, eps, out, stats, stream);
}
