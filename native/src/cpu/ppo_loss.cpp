// Fused PPO loss on the CPU. See include/rlaif/ppo_loss.h for the contract.
//
// Two passes:
//   1. valid-token count per row (mask only, 1 byte per token): the
//      aggregation weight of a token depends on global counts, and the
//      gradients are written in the same loop as the heavy math;
//   2. tiles of kTile tokens of one row, in parallel: token math, gradients,
//      float64 partial sums per tile in the workspace.
// The tiles' sums are merged in tile order on one thread, so results do not
// depend on the number of threads. Tiles (not whole rows) keep a batch of a
// few very long rows parallel.
#include "rlaif/ppo_loss.h"

#include <cstddef>

#include "../common/dtype.h"
#include "../common/ppo_token.h"

namespace {

using rlaif::bf16;
using rlaif::load;
using rlaif::PpoParams;
using rlaif::PpoSums;
using rlaif::store;

constexpr int64_t kTile = 2048;
constexpr int64_t kParallelMin = 1 << 15;

int64_t tiles_per_row(int64_t T) { return (T + kTile - 1) / kTile; }

// Workspace: B int64 row counts, then one PpoSums per tile (both 8-byte types).
int64_t *row_counts(void *workspace) { return static_cast<int64_t *>(workspace); }
PpoSums *tile_sums(void *workspace, int64_t B) {
    return reinterpret_cast<PpoSums *>(static_cast<char *>(workspace) + B * sizeof(int64_t));
}

void count_rows(const uint8_t *mask, int64_t B, int64_t T, int64_t *counts) {
#pragma omp parallel for schedule(static) if (B * T >= kParallelMin && B > 1)
    for (int64_t b = 0; b < B; ++b) {
        int64_t c = 0;
        const uint8_t *m = mask + b * T;
        for (int64_t t = 0; t < T; ++t) c += m[t] != 0 ? 1 : 0;
        counts[b] = c;
    }
}

// Optional inputs and outputs of one call, typed.
template <typename E>
struct Buffers {
    const E *logp, *old_logp, *adv, *ref, *values, *old_values, *returns, *entropy;
    const uint8_t *mask;
    E *grad_logp, *grad_values, *grad_entropy;
};

template <typename E>
void run_tile(const Buffers<E> &io, const PpoParams &p, int64_t begin, int64_t end, float w, PpoSums &sums) {
    rlaif::sums_clear(sums);
    const float g_ent = -p.ent_coef * w;
    for (int64_t i = begin; i < end; ++i) {
        const bool valid = io.mask[i] != 0;
        float gl = 0.0f, gv = 0.0f, ge = 0.0f;
        if (valid) {
            const float ent = p.has_entropy ? load(io.entropy[i]) : 0.0f;
            const rlaif::PpoToken k = rlaif::ppo_token(
                p, load(io.logp[i]), load(io.old_logp[i]), load(io.adv[i]), p.has_ref ? load(io.ref[i]) : 0.0f,
                p.has_values ? load(io.values[i]) : 0.0f, p.has_values ? load(io.old_values[i]) : 0.0f,
                p.has_values ? load(io.returns[i]) : 0.0f, ent);
            rlaif::sums_add_token(sums, k, ent);
            gl = w * k.g_logp;
            gv = w * k.g_value;
            ge = g_ent;
        }
        if (io.grad_logp != nullptr) io.grad_logp[i] = store<E>(gl);
        if (io.grad_values != nullptr) io.grad_values[i] = store<E>(gv);
        if (io.grad_entropy != nullptr) io.grad_entropy[i] = store<E>(ge);
    }
}

template <typename E>
void run(const Buffers<E> &io, int64_t B, int64_t T, const rlaif_ppo_options &o, const PpoParams &p,
         double *stats, void *workspace) {
    int64_t *counts = row_counts(workspace);
    PpoSums *sums = tile_sums(workspace, B);
    count_rows(io.mask, B, T, counts);
    int64_t N = 0, R = 0;
    for (int64_t b = 0; b < B; ++b) {
        N += counts[b];
        R += counts[b] > 0 ? 1 : 0;
    }
    const int64_t per_row = tiles_per_row(T);
    const int64_t tiles = B * per_row;
#pragma omp parallel for schedule(static) if (B * T >= kParallelMin && tiles > 1)
    for (int64_t tile = 0; tile < tiles; ++tile) {
        const int64_t b = tile / per_row;
        const int64_t begin = b * T + (tile % per_row) * kTile;
        const int64_t end = begin + kTile < (b + 1) * T ? begin + kTile : (b + 1) * T;
        const double w = rlaif::ppo_row_weight(o.aggregation, counts[b], N, R, o.norm_constant);
        // Gradients take the weight rounded to float32, as autograd of a float32 loss does;
        // the loss terms take it in float64.
        run_tile(io, p, begin, end, static_cast<float>(w), sums[tile]);
        rlaif::sums_weight(sums[tile], w);
    }
    PpoSums total;
    rlaif::sums_clear(total);
    for (int64_t tile = 0; tile < tiles; ++tile) rlaif::sums_merge(total, sums[tile]);
    rlaif::ppo_finish_stats(total, N, R, o.vf_coef, o.kl_coef, o.ent_coef, stats);
}

template <typename E>
int dispatch_typed(const void *logp, const void *old_logp, const void *adv, const uint8_t *mask, const void *ref,
                   const void *values, const void *old_values, const void *returns, const void *entropy, int64_t B,
                   int64_t T, const rlaif_ppo_options &o, void *grad_logp, void *grad_values, void *grad_entropy,
                   double *stats, void *workspace) {
    Buffers<E> io{static_cast<const E *>(logp),       static_cast<const E *>(old_logp),
                  static_cast<const E *>(adv),        static_cast<const E *>(ref),
                  static_cast<const E *>(values),     static_cast<const E *>(old_values),
                  static_cast<const E *>(returns),    static_cast<const E *>(entropy),
                  mask,                               static_cast<E *>(grad_logp),
                  static_cast<E *>(grad_values),      static_cast<E *>(grad_entropy)};
    const PpoParams p = rlaif::ppo_params(o, ref != nullptr, values != nullptr, entropy != nullptr);
    run(io, B, T, o, p, stats, workspace);
    return RLAIF_OK;
}

}  // namespace

extern "C" int64_t rlaif_ppo_loss_workspace_bytes(int64_t B, int64_t T) {
    if (B < 0 || T < 0) return RLAIF_ERR_INVALID_ARGUMENT;
    return B * static_cast<int64_t>(sizeof(int64_t)) + B * tiles_per_row(T) * static_cast<int64_t>(sizeof(PpoSums));
}

extern "C" int rlaif_ppo_loss(int dtype, const void *logp, const void *old_logp, const void *advantages,
                              const uint8_t *mask, const void *ref_logp, const void *values, const void *old_values,
                              const void *returns, const void *entropy, int64_t B, int64_t T,
                              const rlaif_ppo_options *options, void *grad_logp, void *grad_values,
                              void *grad_entropy, double *stats, void *workspace) {
    if (B < 0 || T < 0 || options == nullptr || stats == nullptr) return RLAIF_ERR_INVALID_ARGUMENT;
    const bool has_values = values != nullptr;
    if (has_values != (old_values != nullptr) || has_values != (returns != nullptr)) return RLAIF_ERR_INVALID_ARGUMENT;
    if ((grad_values != nullptr && !has_values) || (grad_entropy != nullptr && entropy == nullptr))
        return RLAIF_ERR_INVALID_ARGUMENT;
    if (!rlaif::ppo_options_valid(*options, ref_logp != nullptr, has_values, entropy != nullptr))
        return RLAIF_ERR_INVALID_ARGUMENT;
    if (dtype != RLAIF_DTYPE_F32 && dtype != RLAIF_DTYPE_BF16) return RLAIF_ERR_INVALID_ARGUMENT;
    if (B > 0 && T > 0 && (!logp || !old_logp || !advantages || !mask || !workspace)) return RLAIF_ERR_INVALID_ARGUMENT;
    if (B == 0 || T == 0) B = T = 0;  // no tokens: every sum empty, nothing read or written
    if (dtype == RLAIF_DTYPE_F32)
        return dispatch_typed<float>(logp, old_logp, advantages, mask, ref_logp, values, old_values, returns, entropy,
                                     B, T, *options, grad_logp, grad_values, grad_entropy, stats, workspace);
    return dispatch_typed<bf16>(logp, old_logp, advantages, mask, ref_logp, values, old_values, returns, entropy, B,
                                T, *options, grad_logp, grad_values, grad_entropy, stats, workspace);
}
