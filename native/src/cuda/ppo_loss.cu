// Fused PPO loss on the GPU (contract: include/rlaif/ppo_loss.h).
//
// Four kernels on one stream, all state in the caller's workspace, nothing
// synchronising with the host:
//   1. valid-token count per row (a block per row, mask only);
//   2. batch totals N and R (one block);
//   3. the one heavy pass: a block per tile of kTile tokens of one row does the
//      token math, writes the gradients and block-reduces its float64 partial
//      sums into the tile's slot;
//   4. one block merges the tiles' sums in tile order and writes the stats.
// No floating-point atomics: every reduction has a fixed shape, so results are
// the same from run to run. The token math is the CPU kernel's
// (src/common/ppo_token.h); the two differ only in expf's last bits, fused
// multiply-adds and the order of the float64 sums.
#include "rlaif/ppo_loss.h"

#include "../common/dtype.h"
#include "../common/ppo_token.h"
#include "cuda_common.cuh"

namespace {

using rlaif::bf16;
using rlaif::load;
using rlaif::PpoParams;
using rlaif::PpoSums;
using rlaif::store;

constexpr int kThreads = 256;  // 8 warps
constexpr int kItems = 4;      // tokens per thread and tile
constexpr int64_t kTile = kThreads * kItems;

int64_t tiles_per_row(int64_t T) { return (T + kTile - 1) / kTile; }

// Workspace: B row counts, then N and R (int64), B float32 GSPO row ratios
// and B float32 row gradients (8 bytes per row), then one PpoSums per tile.
struct Workspace {
    int64_t *counts;
    int64_t *totals;
    float *ratios;  // GSPO: s_b, negated when |slr_b| > BOUND (no gradient through the clamp)
    float *grads;   // GSPO: the row's d loss / d s_b * s_b / n_b
    PpoSums *tiles;
};

Workspace carve(void *ws, int64_t B) {
    int64_t *base = static_cast<int64_t *>(ws);
    float *rows = reinterpret_cast<float *>(base + B + 2);
    return {base, base + B, rows, rows + B, reinterpret_cast<PpoSums *>(base + 2 * B + 2)};
}

__device__ PpoSums shfl_down(const PpoSums &s, int off) {
    PpoSums o;
    const unsigned all = 0xffffffffu;
    o.pg = __shfl_down_sync(all, s.pg, off);
    o.vf = __shfl_down_sync(all, s.vf, off);
    o.kl = __shfl_down_sync(all, s.kl, off);
    o.ent = __shfl_down_sync(all, s.ent, off);
    o.clip_low = __shfl_down_sync(all, s.clip_low, off);
    o.clip_high = __shfl_down_sync(all, s.clip_high, off);
    o.dual = __shfl_down_sync(all, s.dual, off);
    o.vclip = __shfl_down_sync(all, s.vclip, off);
    o.approx_kl = __shfl_down_sync(all, s.approx_kl, off);
    o.approx_kl_k3 = __shfl_down_sync(all, s.approx_kl_k3, off);
    o.ratio_sum = __shfl_down_sync(all, s.ratio_sum, off);
    o.ratio_min = __shfl_down_sync(all, s.ratio_min, off);
    o.ratio_max = __shfl_down_sync(all, s.ratio_max, off);
    o.nan = __shfl_down_sync(all, s.nan, off);
    o.seq_coef = __shfl_down_sync(all, s.seq_coef, off);
    return o;
}

// Merges every thread's sums into thread 0's, in a fixed tree order. Needs kThreads threads.
__device__ void block_merge(PpoSums &s) {
    __shared__ PpoSums warps[kThreads / 32];
    for (int off = 16; off > 0; off >>= 1) rlaif::sums_merge(s, shfl_down(s, off));
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) warps[warp] = s;
    __syncthreads();
    if (threadIdx.x == 0)
        for (int w = 1; w < kThreads / 32; ++w) rlaif::sums_merge(s, warps[w]);
}

__global__ void count_kernel(const uint8_t *__restrict__ mask, int64_t T, int64_t *__restrict__ counts) {
    __shared__ int64_t warps[kThreads / 32];
    const uint8_t *m = mask + static_cast<int64_t>(blockIdx.x) * T;
    int64_t c = 0;
    for (int64_t t = threadIdx.x; t < T; t += kThreads) c += m[t] != 0 ? 1 : 0;
    for (int off = 16; off > 0; off >>= 1) c += __shfl_down_sync(0xffffffffu, c, off);
    if ((threadIdx.x & 31) == 0) warps[threadIdx.x >> 5] = c;
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < kThreads / 32; ++w) c += warps[w];
        counts[blockIdx.x] = c;
    }
}

__global__ void totals_kernel(const int64_t *__restrict__ counts, int64_t B, int64_t *__restrict__ totals) {
    __shared__ int64_t sn[kThreads], sr[kThreads];
    int64_t n = 0, r = 0;
    for (int64_t b = threadIdx.x; b < B; b += kThreads) {
        n += counts[b];
        r += counts[b] > 0 ? 1 : 0;
    }
    sn[threadIdx.x] = n;
    sr[threadIdx.x] = r;
    __syncthreads();
    for (int half = kThreads / 2; half > 0; half >>= 1) {
        if (threadIdx.x < half) {
            sn[threadIdx.x] += sn[threadIdx.x + half];
            sr[threadIdx.x] += sr[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        totals[0] = sn[0];
        totals[1] = sr[0];
    }
}

template <typename E>
using Buffers = rlaif::PpoBuffers<E>;

// GSPO, a block per row: the float64 sum of logp - old_logp over valid tokens in
// a fixed tree order, then s_b (see Workspace::ratios).
template <typename E>
__global__ void __launch_bounds__(kThreads) gspo_ratio_kernel(Buffers<E> io, int64_t T, Workspace ws) {
    __shared__ double warps[kThreads / 32];
    const int64_t b = blockIdx.x;
    double sum = 0.0;
    for (int64_t t = threadIdx.x; t < T; t += kThreads) {
        const int64_t i = b * T + t;
        if (io.mask[i] != 0) sum += static_cast<double>(load(io.logp[i]) - load(io.old_logp[i]));
    }
    for (int off = 16; off > 0; off >>= 1) sum += __shfl_down_sync(0xffffffffu, sum, off);
    if ((threadIdx.x & 31) == 0) warps[threadIdx.x >> 5] = sum;
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < kThreads / 32; ++w) sum += warps[w];
        const int64_t n = ws.counts[b];
        if (n == 0) {
            ws.ratios[b] = 1.0f;
        } else {
            const float slr = rlaif::gspo_row_logratio(sum, n);
            const float bound = RLAIF_PPO_LOGRATIO_BOUND;
            const float s = expf(rlaif::clampf(slr, -bound, bound));
            ws.ratios[b] = rlaif::inside(slr, -bound, bound) != 0.0f || slr != slr ? s : -s;
        }
    }
}

// GSPO, a block per row: the row's tiles' seq_coef in tile order, divided by n_b.
__global__ void gspo_row_kernel(int64_t B, int64_t per_row, Workspace ws) {
    const int64_t b = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x;
    if (b >= B) return;
    double c = 0.0;
    for (int64_t k = 0; k < per_row; ++k) c += ws.tiles[b * per_row + k].seq_coef;
    const float r = ws.ratios[b];
    ws.grads[b] = ws.counts[b] > 0 && r > 0.0f ? static_cast<float>(c / static_cast<double>(ws.counts[b]))
                                               : (r != r ? NAN : 0.0f);
}

template <typename E>
__global__ void __launch_bounds__(kThreads) gspo_grad_kernel(Buffers<E> io, PpoParams p, int64_t T, int64_t per_row,
                                                             int aggregation, double norm_constant, double row_norm,
                                                             Workspace ws) {
    const int64_t tile = blockIdx.x;
    const int64_t b = tile / per_row;
    const int64_t row_end = (b + 1) * T;
    const int64_t begin = b * T + (tile % per_row) * kTile;
    const float w = static_cast<float>(
        rlaif::ppo_row_weight(aggregation, ws.counts[b], ws.totals[0], ws.totals[1], norm_constant, row_norm));
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
        const int64_t i = begin + j * kThreads + threadIdx.x;
        if (i >= row_end) break;
        rlaif::gspo_grad_step(io, p, i, w, ws.grads[b]);
    }
}

template <typename E>
__global__ void __launch_bounds__(kThreads) tile_kernel(Buffers<E> io, PpoParams p, int64_t T, int64_t per_row,
                                                        int aggregation, double norm_constant, double row_norm,
                                                        Workspace ws) {
    const int64_t tile = blockIdx.x;
    const int64_t b = tile / per_row;
    const int64_t row_end = (b + 1) * T;
    const int64_t begin = b * T + (tile % per_row) * kTile;
    const double w =
        rlaif::ppo_row_weight(aggregation, ws.counts[b], ws.totals[0], ws.totals[1], norm_constant, row_norm);
    const float seq_r = p.policy == RLAIF_PPO_POLICY_GSPO ? fabsf(ws.ratios[b]) : 1.0f;
    const float wf = static_cast<float>(w);  // gradients take the float32 weight, as on the CPU
    const float g_ent = -p.ent_coef * wf;
    PpoSums s;
    rlaif::sums_clear(s);
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
        const int64_t i = begin + j * kThreads + threadIdx.x;
        if (i >= row_end) break;
        rlaif::ppo_scalar_step(io, p, i, wf, g_ent, seq_r, s);
    }
    block_merge(s);
    if (threadIdx.x == 0) {
        rlaif::sums_weight(s, w);
        ws.tiles[tile] = s;
    }
}

__global__ void finish_kernel(Workspace ws, int64_t tiles, double vf_coef, double kl_coef, double ent_coef,
                              double *__restrict__ stats) {
    PpoSums s;
    rlaif::sums_clear(s);
    for (int64_t t = threadIdx.x; t < tiles; t += kThreads) rlaif::sums_merge(s, ws.tiles[t]);
    block_merge(s);
    if (threadIdx.x == 0) rlaif::ppo_finish_stats(s, ws.totals[0], ws.totals[1], vf_coef, kl_coef, ent_coef, stats);
}

template <typename E>
int launch(const void *logp, const void *old_logp, const void *adv, const uint8_t *mask, const void *ref,
           const void *values, const void *old_values, const void *returns, const void *entropy, const void *isw,
           int64_t B, int64_t T,
           const rlaif_ppo_options &o, void *grad_logp, void *grad_values, void *grad_entropy, double *stats,
           void *workspace, cudaStream_t stream) {
    const Buffers<E> io{static_cast<const E *>(logp),    static_cast<const E *>(old_logp),
                        static_cast<const E *>(adv),     static_cast<const E *>(ref),
                        static_cast<const E *>(values),  static_cast<const E *>(old_values),
                        static_cast<const E *>(returns), static_cast<const E *>(entropy),
                        mask,                            static_cast<E *>(grad_logp),
                        static_cast<E *>(grad_values),   static_cast<E *>(grad_entropy),
                        static_cast<const E *>(isw)};
    const PpoParams p = rlaif::ppo_params(o, ref != nullptr, values != nullptr, entropy != nullptr, isw != nullptr);
    const bool gspo = o.policy_loss == RLAIF_PPO_POLICY_GSPO;
    const Workspace ws = carve(workspace, B);
    const int64_t per_row = tiles_per_row(T);
    const int64_t tiles = B * per_row;
    if (B > 0 && T > 0) count_kernel<<<static_cast<unsigned>(B), kThreads, 0, stream>>>(mask, T, ws.counts);
    totals_kernel<<<1, kThreads, 0, stream>>>(ws.counts, T > 0 ? B : 0, ws.totals);
    if (gspo && B > 0 && T > 0) gspo_ratio_kernel<E><<<static_cast<unsigned>(B), kThreads, 0, stream>>>(io, T, ws);
    if (tiles > 0)
        tile_kernel<E><<<static_cast<unsigned>(tiles), kThreads, 0, stream>>>(io, p, T, per_row, o.aggregation,
                                                                               o.norm_constant, o.row_norm, ws);
    if (gspo && tiles > 0 && grad_logp != nullptr) {
        gspo_row_kernel<<<static_cast<unsigned>((B + kThreads - 1) / kThreads), kThreads, 0, stream>>>(B, per_row, ws);
        gspo_grad_kernel<E><<<static_cast<unsigned>(tiles), kThreads, 0, stream>>>(io, p, T, per_row, o.aggregation,
                                                                                    o.norm_constant, o.row_norm, ws);
    }
    finish_kernel<<<1, kThreads, 0, stream>>>(ws, tiles, o.vf_coef, o.kl_coef, o.ent_coef, stats);
    return rlaif::cuda_status(cudaGetLastError());
}

}  // namespace

extern "C" int64_t rlaif_ppo_loss_cuda_workspace_bytes(int64_t B, int64_t T) {
    if (B < 0 || T < 0) return RLAIF_ERR_INVALID_ARGUMENT;
    return (2 * B + 2) * static_cast<int64_t>(sizeof(int64_t)) +
           B * tiles_per_row(T) * static_cast<int64_t>(sizeof(PpoSums));
}

extern "C" int rlaif_ppo_loss_cuda(int dtype, const void *logp, const void *old_logp, const void *advantages,
                                   const uint8_t *mask, const void *ref_logp, const void *values,
                                   const void *old_values, const void *returns, const void *entropy,
                                   const void *is_weights, int64_t B, int64_t T, const rlaif_ppo_options *options, void *grad_logp, void *grad_values,
                                   void *grad_entropy, double *stats, void *workspace, cudaStream_t stream) {
    if (B < 0 || T < 0 || options == nullptr || stats == nullptr || workspace == nullptr)
        return RLAIF_ERR_INVALID_ARGUMENT;
    const bool has_values = values != nullptr;
    if (has_values != (old_values != nullptr) || has_values != (returns != nullptr)) return RLAIF_ERR_INVALID_ARGUMENT;
    if ((grad_values != nullptr && !has_values) || (grad_entropy != nullptr && entropy == nullptr))
        return RLAIF_ERR_INVALID_ARGUMENT;
    if (!rlaif::ppo_options_valid(*options, ref_logp != nullptr, has_values, entropy != nullptr))
        return RLAIF_ERR_INVALID_ARGUMENT;
    if (B > 0 && T > 0 && (!logp || !old_logp || !advantages || !mask)) return RLAIF_ERR_INVALID_ARGUMENT;
    switch (dtype) {
        case RLAIF_DTYPE_F32:
            return launch<float>(logp, old_logp, advantages, mask, ref_logp, values, old_values, returns, entropy,
                                 is_weights, B, T, *options, grad_logp, grad_values, grad_entropy, stats, workspace, stream);
        case RLAIF_DTYPE_BF16:
            return launch<bf16>(logp, old_logp, advantages, mask, ref_logp, values, old_values, returns, entropy,
                                is_weights, B, T, *options, grad_logp, grad_values, grad_entropy, stats, workspace, stream);
        default:
            return RLAIF_ERR_INVALID_ARGUMENT;
    }
}
