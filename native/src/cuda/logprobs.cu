// Log-probs of targets from logits, and their gradient, on the GPU
// (contract: include/rlaif/logprobs.h). One thread block per row: each thread
// keeps an online (max, sum-exp, sum-exp * z) state over a strided slice of
// the row, then the block merges the states with warp shuffles. Deterministic:
// no atomics. Top-k (k <= kBlockTopK): each thread keeps the top k of its
// strided slice, and thread 0 merges the block's candidates by (value
// descending, index ascending), which is exactly the serial order of the CPU
// kernel; a larger k falls back to one thread scanning the row.
#include <cfloat>
#include <cstdint>

#include "../common/dtype.h"
#include "../common/logprobs_args.h"
#include "../common/topk.h"
#include "cuda_common.cuh"
#include "rlaif/logprobs.h"

namespace {

using rlaif::bf16;
using rlaif::load;
using rlaif::store;

constexpr int kThreads = 256;
constexpr int kBlockTopK = 16;  // per-thread lists live in local arrays and shared memory

// The block path keeps candidate indices as int32 in shared memory.
__host__ __device__ __forceinline__ bool use_block_topk(int64_t k, int64_t V) {
    return k > 0 && k <= kBlockTopK && V <= INT32_MAX;
}

__device__ __forceinline__ bool ranks_before(float v, int32_t i, float w, int32_t j) {
    return v > w || (v == w && i < j);
}

// Top k of row (scaled by inv_temp) into tv/ti, all threads of the block taking part.
template <typename E>
__device__ void block_topk(const E *row, int64_t V, float inv_temp, int64_t k, float *tv, int64_t *ti) {
    extern __shared__ unsigned char dyn[];
    float *cand_v = reinterpret_cast<float *>(dyn);
    int32_t *cand_i = reinterpret_cast<int32_t *>(cand_v + blockDim.x * k);
    float lv[kBlockTopK];
    int64_t li[kBlockTopK];
    int64_t size = 0;
    for (int64_t j = threadIdx.x; j < V; j += blockDim.x) rlaif::topk_offer(lv, li, k, size, load(row[j]) * inv_temp, j);
    for (int64_t i = 0; i < k; ++i) {
        cand_v[threadIdx.x * k + i] = i < size ? lv[i] : -INFINITY;
        cand_i[threadIdx.x * k + i] = i < size ? static_cast<int32_t>(li[i]) : INT32_MAX;
    }
    __syncthreads();
    if (threadIdx.x != 0) return;
    int64_t filled = 0;
    for (int64_t c = 0; c < static_cast<int64_t>(blockDim.x) * k; ++c) {
        const float v = cand_v[c];
        const int32_t i = cand_i[c];
        if (i == INT32_MAX) continue;
        if (filled == k && !ranks_before(v, i, tv[k - 1], static_cast<int32_t>(ti[k - 1]))) continue;
        int64_t pos = filled < k ? filled++ : k - 1;
        while (pos > 0 && ranks_before(v, i, tv[pos - 1], static_cast<int32_t>(ti[pos - 1]))) {
            tv[pos] = tv[pos - 1];
            ti[pos] = ti[pos - 1];
            --pos;
        }
        tv[pos] = v;
        ti[pos] = i;
    }
}

struct State {
    float m, s, t;  // max; sum exp(z - m); sum exp(z - m) * (z - m)
};

__device__ __forceinline__ State merge(State a, State b) {
    if (a.m == -INFINITY) return b;
    if (b.m == -INFINITY) return a;
    const float M = fmaxf(a.m, b.m);
    const float ea = expf(a.m - M), eb = expf(b.m - M);
    return {M, a.s * ea + b.s * eb, ea * (a.t + (a.m - M) * a.s) + eb * (b.t + (b.m - M) * b.s)};
}

__device__ State block_merge(State st, State *shared) {
    for (int off = 16; off > 0; off >>= 1) {
        State o{__shfl_down_sync(0xffffffffu, st.m, off), __shfl_down_sync(0xffffffffu, st.s, off),
                __shfl_down_sync(0xffffffffu, st.t, off)};
        st = merge(st, o);
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) shared[warp] = st;
    __syncthreads();
    if (warp == 0) {
        st = lane < (blockDim.x >> 5) ? shared[lane] : State{-INFINITY, 0.0f, 0.0f};
        for (int off = 16; off > 0; off >>= 1) {
            State o{__shfl_down_sync(0xffffffffu, st.m, off), __shfl_down_sync(0xffffffffu, st.s, off),
                    __shfl_down_sync(0xffffffffu, st.t, off)};
            st = merge(st, o);
        }
    }
    return st;  // valid in thread 0
}

template <typename E>
__global__ void forward_kernel(const E *__restrict__ logits, int64_t V, const int64_t *__restrict__ targets,
                               const uint8_t *__restrict__ mask, float inv_temp, int64_t ignore, float *logp,
                               float *entropy, float *lse, int64_t top_k, float *top_values, int64_t *top_indices,
                               int32_t *bad) {
    __shared__ State shared[32];
    const int64_t n = blockIdx.x;
    const bool valid = rlaif::logprobs_row_valid(targets, mask, n, ignore);
    const int64_t target = targets[n];
    if (valid && (target < 0 || target >= V)) {
        if (threadIdx.x == 0) atomicExch(bad, 1);
        return;
    }
    if (!valid) {
        if (threadIdx.x == 0) {
            logp[n] = 0.0f;
            if (entropy) entropy[n] = 0.0f;
            if (lse) lse[n] = 0.0f;
        }
        for (int64_t i = threadIdx.x; i < top_k; i += blockDim.x) {
            top_values[n * top_k + i] = -INFINITY;
            top_indices[n * top_k + i] = -1;
        }
        return;
    }
    const E *row = logits + n * V;
    State st{-INFINITY, 0.0f, 0.0f};
    for (int64_t j = threadIdx.x; j < V; j += blockDim.x) {
        const float z = load(row[j]) * inv_temp;
        if (z > st.m) {
            const float a = st.m == -INFINITY ? 0.0f : expf(st.m - z);
            st.t = a * (st.t + (st.m - z) * st.s);
            if (st.m == -INFINITY) st.t = 0.0f;
            st.s = st.s * a + 1.0f;
            st.m = z;
        } else {
            const float d = z - st.m;
            const float e = expf(d);
            st.s += e;
            st.t += e > 0.0f ? e * d : 0.0f;
        }
    }
    st = block_merge(st, shared);
    float *tv = top_values + n * top_k;
    int64_t *ti = top_indices + n * top_k;
    if (use_block_topk(top_k, V)) block_topk(row, V, inv_temp, top_k, tv, ti);
    if (threadIdx.x != 0) return;
    const float log_s = logf(st.s);
    const float row_lse = st.m + log_s;
    logp[n] = load(row[target]) * inv_temp - row_lse;
    if (entropy) entropy[n] = log_s - st.t / st.s;
    if (lse) lse[n] = row_lse;
    if (top_k > 0 && !use_block_topk(top_k, V)) {
        int64_t size = 0;
        for (int64_t j = 0; j < V; ++j) rlaif::topk_offer(tv, ti, top_k, size, load(row[j]) * inv_temp, j);
    }
    for (int64_t i = 0; i < top_k; ++i) tv[i] -= row_lse;
}

template <typename E>
__global__ void backward_kernel(const E *__restrict__ logits, int64_t V, const int64_t *__restrict__ targets,
                                const uint8_t *__restrict__ mask, float inv_temp, int64_t ignore,
                                const float *__restrict__ lse, const float *__restrict__ entropy,
                                const float *__restrict__ grad_logp, const float *__restrict__ grad_entropy,
                                E *__restrict__ grad_logits, int32_t *bad) {
    const int64_t n = blockIdx.x;
    E *out = grad_logits + n * V;
    const bool valid = rlaif::logprobs_row_valid(targets, mask, n, ignore);
    const int64_t target = targets[n];
    if (valid && (target < 0 || target >= V)) {
        if (threadIdx.x == 0) atomicExch(bad, 1);
        return;
    }
    if (!valid) {
        for (int64_t j = threadIdx.x; j < V; j += blockDim.x) out[j] = store<E>(0.0f);
        return;
    }
    const E *row = logits + n * V;
    const float g = grad_logp ? grad_logp[n] * inv_temp : 0.0f;
    const float h = grad_entropy ? grad_entropy[n] * inv_temp : 0.0f;
    const float l = lse[n];
    const float ent = grad_entropy ? entropy[n] : 0.0f;
    for (int64_t j = threadIdx.x; j < V; j += blockDim.x) {
        const float lp = load(row[j]) * inv_temp - l;
        const float p = expf(lp);
        const float ent_term = p > 0.0f ? h * p * (lp + ent) : 0.0f;
        out[j] = store<E>(-g * p - ent_term + (j == target ? g : 0.0f));
    }
}

// Argument errors found on the device (targets out of range) are reported by a
// flag the host reads back: the one synchronisation of these entries.
int finish(int32_t *bad, cudaStream_t stream) {
    int st = rlaif::cuda_status(cudaGetLastError());
    int32_t host = 0;
    if (st == RLAIF_OK) st = rlaif::cuda_status(cudaMemcpyAsync(&host, bad, sizeof host, cudaMemcpyDeviceToHost, stream));
    if (st == RLAIF_OK) st = rlaif::cuda_status(cudaStreamSynchronize(stream));
    cudaFreeAsync(bad, stream);
    if (st != RLAIF_OK) return st;
    return host ? RLAIF_ERR_INVALID_ARGUMENT : RLAIF_OK;
}

int alloc_flag(int32_t **bad, cudaStream_t stream) {
    int st = rlaif::cuda_status(cudaMallocAsync(reinterpret_cast<void **>(bad), sizeof(int32_t), stream));
    if (st == RLAIF_OK) st = rlaif::cuda_status(cudaMemsetAsync(*bad, 0, sizeof(int32_t), stream));
    return st;
}

}  // namespace

extern "C" int rlaif_logprobs_forward_cuda(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,
                                           const uint8_t *mask, float temperature, int64_t ignore_index, float *logp,
                                           float *entropy, float *lse, int64_t top_k, float *top_values,
                                           int64_t *top_indices, cudaStream_t stream) {
    if (!rlaif::logprobs_forward_args_ok(dtype, logits, N, V, targets, temperature, logp, top_k, top_values,
                                         top_indices)) {
        return RLAIF_ERR_INVALID_ARGUMENT;
    }
    if (N == 0) return RLAIF_OK;
    int32_t *bad = nullptr;
    int st = alloc_flag(&bad, stream);
    if (st != RLAIF_OK) return st;
    const float inv_temp = 1.0f / temperature;
    const size_t topk_shared =
        use_block_topk(top_k, V) ? static_cast<size_t>(kThreads * top_k) * (sizeof(float) + sizeof(int32_t)) : 0;
    if (dtype == RLAIF_DTYPE_F32) {
        forward_kernel<float><<<static_cast<unsigned>(N), kThreads, topk_shared, stream>>>(
            static_cast<const float *>(logits), V, targets, mask, inv_temp, ignore_index, logp, entropy, lse, top_k,
            top_values, top_indices, bad);
    } else {
        forward_kernel<bf16><<<static_cast<unsigned>(N), kThreads, topk_shared, stream>>>(
            static_cast<const bf16 *>(logits), V, targets, mask, inv_temp, ignore_index, logp, entropy, lse, top_k,
            top_values, top_indices, bad);
    }
    return finish(bad, stream);
}

extern "C" int rlaif_logprobs_backward_cuda(int dtype, const void *logits, int64_t N, int64_t V,
                                            const int64_t *targets, const uint8_t *mask, float temperature,
                                            int64_t ignore_index, const float *lse, const float *entropy,
                                            const float *grad_logp, const float *grad_entropy, void *grad_logits,
                                            cudaStream_t stream) {
    if (!rlaif::logprobs_backward_args_ok(dtype, logits, N, V, targets, temperature, lse, entropy, grad_entropy,
                                          grad_logits)) {
        return RLAIF_ERR_INVALID_ARGUMENT;
    }
    if (N == 0) return RLAIF_OK;
    int32_t *bad = nullptr;
    int st = alloc_flag(&bad, stream);
    if (st != RLAIF_OK) return st;
    const float inv_temp = 1.0f / temperature;
    if (dtype == RLAIF_DTYPE_F32) {
        backward_kernel<float><<<static_cast<unsigned>(N), kThreads, 0, stream>>>(
            static_cast<const float *>(logits), V, targets, mask, inv_temp, ignore_index, lse, entropy, grad_logp,
            grad_entropy, static_cast<float *>(grad_logits), bad);
    } else {
        backward_kernel<bf16><<<static_cast<unsigned>(N), kThreads, 0, stream>>>(
            static_cast<const bf16 *>(logits), V, targets, mask, inv_temp, ignore_index, lse, entropy, grad_logp,
            grad_entropy, static_cast<bf16 *>(grad_logits), bad);
    }
    return finish(bad, stream);
}
