// GAE over masked rows on the GPU. Same contract as the CPU kernel
// (include/rlaif/gae.h), computed as a parallel scan.
//
// Walking a row backwards, a valid position t maps the state (L, N) = (A after
// t, value of the next valid position) to (gl*L + gamma*N + (r_t - v_t), v_t);
// a masked position leaves it alone. Every composition of such maps is either
// the identity or L' = alpha*L + beta*N + kappa, N' = eps (N is replaced at the
// first valid position met), so a chunk of positions folds into four numbers.
// One block walks one row in tiles of kTile positions from the right: the tile
// is staged in shared memory with coalesced loads, each thread folds its
// kItems positions into a map, a suffix scan over the block's maps gives each
// thread its incoming state, and each thread then replays its positions with
// the exact recursion of the CPU kernel. A thread per row (the previous
// version) reached 21 GB/s at 512x4096 on an H100: latency-bound.
#include "rlaif/gae.h"

#include "../common/dtype.h"
#include "cuda_common.cuh"

namespace {

using rlaif::bf16;
using rlaif::load;
using rlaif::store;

constexpr int kThreads = 256;
constexpr int kItems = 8;
constexpr int kTile = kThreads * kItems;
constexpr int kWarps = kThreads / 32;
constexpr int kPadded = kTile + kTile / 32;

// Shared-memory slot of tile position i: one pad word per 32 keeps a thread's
// kItems-long run (stride kItems between lanes) free of bank conflicts.
__device__ __forceinline__ int slot(int i) { return i + (i >> 5); }

struct Map {
    float alpha, beta, kappa, eps;
    bool has;  // false: identity (no valid position)
};

__device__ __forceinline__ Map identity() { return {1.0f, 0.0f, 0.0f, 0.0f, false}; }

// g after f: the state passes through f first (f lies to the right of g).
__device__ __forceinline__ Map compose(const Map &g, const Map &f) {
    if (!f.has) return g;
    if (!g.has) return f;
    return {g.alpha * f.alpha, g.alpha * f.beta, g.alpha * f.kappa + g.beta * f.eps + g.kappa, g.eps, true};
}

__device__ __forceinline__ void apply(const Map &m, float &L, float &N) {
    if (!m.has) return;
    L = m.alpha * L + m.beta * N + m.kappa;
    N = m.eps;
}

__device__ __forceinline__ Map shfl_down(const Map &m, int off) {
    return {__shfl_down_sync(0xffffffffu, m.alpha, off), __shfl_down_sync(0xffffffffu, m.beta, off),
            __shfl_down_sync(0xffffffffu, m.kappa, off), __shfl_down_sync(0xffffffffu, m.eps, off),
            __shfl_down_sync(0xffffffffu, m.has, off) != 0};
}

template <typename E>
__global__ void __launch_bounds__(kThreads) gae_kernel(const E *__restrict__ rewards, const E *__restrict__ values,
                                                       const uint8_t *__restrict__ mask, const E *__restrict__ bootstrap,
                                                       int64_t T, float gamma, float gl, E *__restrict__ adv,
                                                       E *__restrict__ ret, int32_t *__restrict__ nan_flag) {
    __shared__ float sr[kPadded], sv[kPadded];
    __shared__ uint8_t sm[kPadded];
    __shared__ Map warp_total[kWarps];
    __shared__ float carry[2];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int64_t base = static_cast<int64_t>(blockIdx.x) * T;
    if (tid == 0) {
        carry[0] = 0.0f;
        carry[1] = bootstrap != nullptr ? load(bootstrap[blockIdx.x]) : 0.0f;
    }
    bool any_valid = false;
    for (int64_t end = T; end > 0; end -= kTile) {
        const int64_t start = end > kTile ? end - kTile : 0;
        const int len = static_cast<int>(end - start);
        for (int i = tid; i < len; i += kThreads) {
            sm[slot(i)] = mask[base + start + i];
            sr[slot(i)] = load(rewards[base + start + i]);
            sv[slot(i)] = load(values[base + start + i]);
        }
        __syncthreads();  // also publishes carry
        const int lo = tid * kItems, hi = min(lo + kItems, len);
        Map mine = identity();
        for (int i = slot(hi - 1); i >= slot(lo) && hi > lo; --i) {
            if (sm[i]) mine = compose({gl, gamma, sr[i] - sv[i], sv[i], true}, mine);
        }
        any_valid = __syncthreads_or(mine.has) || any_valid;
        // Suffix scan within the warp: incl = mine after everything to its right in the warp.
        Map incl = mine;
        for (int off = 1; off < 32; off <<= 1) {
            const Map right = shfl_down(incl, off);
            if (lane + off < 32) incl = compose(incl, right);
        }
        Map excl = shfl_down(incl, 1);
        if (lane == 31) excl = identity();
        if (lane == 0) warp_total[warp] = incl;
        __syncthreads();
        // State entering this warp: the carry through every warp to its right.
        float L = carry[0], N = carry[1];
        for (int w = kWarps - 1; w > warp; --w) apply(warp_total[w], L, N);
        apply(excl, L, N);
        // Replay the positions with the recursion of the CPU kernel.
        for (int i = slot(hi - 1); i >= slot(lo) && hi > lo; --i) {
            const bool valid = sm[i] != 0;
            const float a = (sr[i] + gamma * N - sv[i]) + gl * L;
            if (valid) {
                L = a;
                N = sv[i];
            }
            sr[i] = valid ? a : 0.0f;
            sv[i] = valid ? a + sv[i] : 0.0f;
        }
        __syncthreads();  // everyone has read carry and written outputs
        if (tid == 0) {
            carry[0] = L;  // thread 0 holds the state at the tile's left end
            carry[1] = N;
        }
        for (int i = tid; i < len; i += kThreads) {
            adv[base + start + i] = store<E>(sr[slot(i)]);
            ret[base + start + i] = store<E>(sv[slot(i)]);
        }
        __syncthreads();  // outputs stored before the next tile overwrites shared memory
    }
    if (tid == 0 && nan_flag != nullptr && any_valid && isnan(carry[0])) atomicExch(nan_flag, 1);
}

template <typename E>
int launch(const void *rewards, const void *values, const uint8_t *mask, const void *bootstrap, int64_t B, int64_t T,
           float gamma, float lambda, void *adv, void *ret, int32_t *nan_flag, cudaStream_t stream) {
    for (int64_t b0 = 0; b0 < B; b0 += INT32_MAX) {  // grid.x limit, never reached in practice
        const int64_t rows = B - b0 < INT32_MAX ? B - b0 : INT32_MAX;
        const int64_t off = b0 * T;
        gae_kernel<E><<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(
            static_cast<const E *>(rewards) + off, static_cast<const E *>(values) + off, mask + off,
            bootstrap != nullptr ? static_cast<const E *>(bootstrap) + b0 : nullptr, T, gamma, gamma * lambda,
            static_cast<E *>(adv) + off, static_cast<E *>(ret) + off, nan_flag);
        const int st = rlaif::cuda_status(cudaGetLastError());
        if (st != RLAIF_OK) return st;
    }
    return RLAIF_OK;
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
