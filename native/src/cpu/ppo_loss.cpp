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
//
// Each tile first runs a branch-free version of the token math that the
// compiler vectorises (fast_exp, selects instead of branches, the options that
// change the shape of the loop as template parameters). It is exact for tiles
// without NaN; a tile where a valid token holds a NaN is redone with the
// scalar ppo_token(), which defines the NaN semantics of the header.
#include "rlaif/ppo_loss.h"

#include <cmath>
#include <cstddef>

#include "../common/dtype.h"
#include "../common/fast_exp.h"
#include "../common/ppo_token.h"
#include "isa.h"

namespace {

using rlaif::bf16;
using rlaif::load;
using rlaif::PpoParams;
using rlaif::PpoSums;
using rlaif::store;

constexpr int64_t kTile = 2048;
constexpr int64_t kParallelMin = 1 << 15;

int64_t tiles_per_row(int64_t T) { return (T + kTile - 1) / kTile; }

// Workspace: B int64 row counts, B float32 GSPO row ratios s_b and B float32
// row gradients (together 8 bytes per row), then one PpoSums per tile.
int64_t *row_counts(void *workspace) { return static_cast<int64_t *>(workspace); }
float *row_ratio(void *workspace, int64_t B) {
    return reinterpret_cast<float *>(static_cast<char *>(workspace) + B * sizeof(int64_t));
}
float *row_grad(void *workspace, int64_t B) { return row_ratio(workspace, B) + B; }
PpoSums *tile_sums(void *workspace, int64_t B) {
    return reinterpret_cast<PpoSums *>(static_cast<char *>(workspace) + 2 * B * sizeof(int64_t));
}

// GSPO: each row's s_b = exp(clamp(slr_b)) and its clamp-gradient flag (sign
// bit: s_b is stored negated when |slr_b| > BOUND, as s_b > 0 otherwise).
template <typename E>
void gspo_row_ratios(const rlaif::PpoBuffers<E> &io, int64_t B, int64_t T, const int64_t *counts, float *ratio) {
#pragma omp parallel for schedule(static) if (B * T >= kParallelMin && B > 1)
    for (int64_t b = 0; b < B; ++b) {
        double sum = 0.0;
        for (int64_t t = 0; t < T; ++t) {
            const int64_t i = b * T + t;
            if (io.mask[i] != 0) sum += static_cast<double>(load(io.logp[i]) - load(io.old_logp[i]));
        }
        if (counts[b] == 0) {
            ratio[b] = 1.0f;
            continue;
        }
        const float slr = rlaif::gspo_row_logratio(sum, counts[b]);
        const float bound = RLAIF_PPO_LOGRATIO_BOUND;
        const float s = expf(rlaif::clampf(slr, -bound, bound));
        ratio[b] = rlaif::inside(slr, -bound, bound) != 0.0f || slr != slr ? s : -s;
    }
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

template <typename E>
using Buffers = rlaif::PpoBuffers<E>;

template <typename E>
void run_tile(const Buffers<E> &io, const PpoParams &p, int64_t begin, int64_t end, float w, float seq_r,
              PpoSums &sums) {
    rlaif::sums_clear(sums);
    const float g_ent = -p.ent_coef * w;
    for (int64_t i = begin; i < end; ++i) rlaif::ppo_scalar_step(io, p, i, w, g_ent, seq_r, sums);
}

// Clamp's gradient mask with non-short-circuit logic, so the loop has no branch.
inline float inside_bits(float x, float lo, float hi) { return (x >= lo) & (x <= hi) ? 1.0f : 0.0f; }

// Per-token values of one chunk, already zero at masked positions, so the
// sums that follow are plain reductions.
constexpr int64_t kChunk = 256;
struct alignas(64) ChunkTerms {
    float valid[kChunk], pg[kChunk], kl[kChunk], lr[kChunk], r[kChunk], vf[kChunk], ent[kChunk];
    float clip_lo[kChunk], clip_hi[kChunk], dual[kChunk], vclip[kChunk], nan[kChunk];
};

// Branch-free token math of ppo_token() for tiles without NaN, in the same
// float32 operation order (exp excepted: fast_exp, within 1 ulp of exp).
// Per chunk of kChunk tokens: the policy and KL terms in one float32 loop, the
// value and entropy terms in a second (one loop for all of it spills vector
// registers), then float64 sums of the loss terms and float sums of the counts
// (exact below 2^24). Loops mixing float and double reductions, or 8-bit and
// 32-bit conditions, do not vectorise: hence the mask as a float comparison.
template <typename E, bool kRef, bool kValues, bool kEntropy, int kKl, bool kGrads>
bool run_tile_fast(const Buffers<E> &io, const PpoParams &p, int64_t begin, int64_t end, float w, PpoSums &out) {
    const float bound = RLAIF_PPO_LOGRATIO_BOUND;
    const float lo = p.clip_lo, hi = p.clip_hi;
    // A clip that is off becomes an infinite one, which gives exactly the
    // unclipped values and gradients (min(pg, +inf) = pg; clamp to +-inf = v,
    // whose tie l1 == l2 splits d/dv into 0.5 e1 + 0.5 e1 = e1): no select on a
    // loop-invariant flag, which GCC does not vectorise.
    const float dual_c = p.dual_c != 0.0f ? p.dual_c : INFINITY;
    const float vclip = p.value_clip != 0.0f ? p.value_clip : INFINITY;
    const float g_ent = -p.ent_coef * w;
    const float kl_coef = p.kl_coef, vf_coef = p.vf_coef;  // hoisted: loads inside the loop become masked loads
    // Local restrict pointers: through `io` GCC reloads each pointer after every
    // store (it could alias the struct) and falls back to scatters.
    const E *__restrict in_logp = io.logp, *__restrict in_old = io.old_logp, *__restrict in_adv = io.adv;
    const E *__restrict in_ref = io.ref, *__restrict in_v = io.values, *__restrict in_old_v = io.old_values;
    const E *__restrict in_ret = io.returns, *__restrict in_ent = io.entropy;
    const uint8_t *__restrict in_mask = io.mask;
    E *__restrict out_gl = io.grad_logp, *__restrict out_gv = io.grad_values, *__restrict out_ge = io.grad_entropy;
    ChunkTerms c;
    double s_pg = 0, s_vf = 0, s_kl = 0, s_ent = 0, c_lo = 0, c_hi = 0, c_dual = 0, c_vclip = 0;
    double s_akl = 0, s_akl3 = 0, s_ratio = 0, c_nan = 0;
    float r_min = INFINITY, r_max = -INFINITY;
    for (int64_t c0 = begin; c0 < end; c0 += kChunk) {
        const int64_t len = end - c0 < kChunk ? end - c0 : kChunk;
#pragma omp simd
        for (int64_t j = 0; j < len; ++j) {
            const int64_t i = c0 + j;
            const bool valid = static_cast<float>(in_mask[i]) != 0.0f;
            const float logp = load(in_logp[i]), old_logp = load(in_old[i]), adv = load(in_adv[i]);
            // Policy term.
            const float raw = logp - old_logp;
            const float lr = rlaif::clampf(raw, -bound, bound);
            const float r = rlaif::fast_exp(lr);
            const float neg_a = -adv;
            const float pg1 = neg_a * r;
            const float pg2 = neg_a * rlaif::clampf(r, lo, hi);
            float pg = pg1 > pg2 ? pg1 : pg2;
            const float share1 = pg1 > pg2 ? 1.0f : (pg1 == pg2 ? 0.5f : 0.0f);
            const float share2 = pg2 > pg1 ? 1.0f : (pg1 == pg2 ? 0.5f : 0.0f);
            float d_pg = share1 * neg_a + share2 * neg_a * inside_bits(r, lo, hi);
            const bool dual_active = adv < 0.0f;
            const float pg3 = neg_a * dual_c;
            const float dual_clipped = dual_active & (pg > pg3) ? 1.0f : 0.0f;
            d_pg = dual_active ? d_pg * (pg < pg3 ? 1.0f : (pg == pg3 ? 0.5f : 0.0f)) : d_pg;
            pg = dual_active ? (pg3 < pg ? pg3 : pg) : pg;
            float g = d_pg * r * inside_bits(raw, -bound, bound);
            // KL to the reference.
            float kl = 0.0f, ref = 0.0f;
            if (kRef) {
                ref = load(in_ref[i]);
                const float d = ref - logp;
                float dk;
                if (kKl == RLAIF_PPO_KL_K1) {
                    kl = -d;
                    dk = -1.0f;
                } else if (kKl == RLAIF_PPO_KL_K2) {
                    kl = 0.5f * (d * d);
                    dk = d;
                } else {
                    const float dc = rlaif::clampf(d, -bound, bound);
                    const float e = rlaif::fast_exp(dc);
                    kl = e - dc - 1.0f;
                    dk = (e - 1.0f) * inside_bits(d, -bound, bound);
                }
                g += kl_coef * -dk;
            }
            if (kGrads) out_gl[i] = store<E>(valid ? w * g : 0.0f);
            // NaN test as one sum: NaN + anything is NaN (inf - inf too: a false
            // alarm that only sends the tile to the exact scalar path).
            const float probe = logp + old_logp + adv + (kRef ? ref : 0.0f);
            const float valid_f = valid ? 1.0f : 0.0f;
            c.valid[j] = valid_f;
            c.pg[j] = valid ? pg : 0.0f;
            c.kl[j] = valid ? kl : 0.0f;
            c.lr[j] = valid ? lr : 0.0f;
            c.r[j] = valid ? r : 0.0f;
            c.clip_lo[j] = valid_f * ((adv < 0.0f) & (r < lo) ? 1.0f : 0.0f);
            c.clip_hi[j] = valid_f * ((adv > 0.0f) & (r > hi) ? 1.0f : 0.0f);
            c.dual[j] = valid_f * dual_clipped;
            c.nan[j] = valid_f * (probe != probe ? 1.0f : 0.0f);
        }
        if (kValues || kEntropy) {
#pragma omp simd
            for (int64_t j = 0; j < len; ++j) {
                const int64_t i = c0 + j;
                const bool valid = c.valid[j] != 0.0f;
                float vf = 0.0f, gv = 0.0f, v = 0.0f, old_v = 0.0f, ret = 0.0f, value_clipped = 0.0f;
                if (kValues) {
                    v = load(in_v[i]);
                    old_v = load(in_old_v[i]);
                    ret = load(in_ret[i]);
                    const float e1 = v - ret;
                    const float l1 = e1 * e1;
                    const float vlo = old_v - vclip, vhi = old_v + vclip;
                    const float e2 = rlaif::clampf(v, vlo, vhi) - ret;
                    const float l2 = e2 * e2;
                    const float m1 = l1 > l2 ? 1.0f : (l1 == l2 ? 0.5f : 0.0f);
                    const float m2 = l2 > l1 ? 1.0f : (l1 == l2 ? 0.5f : 0.0f);
                    const float d_clip = 0.5f * (m1 * 2.0f * e1 + m2 * 2.0f * e2 * inside_bits(v, vlo, vhi));
                    vf = 0.5f * (l1 > l2 ? l1 : l2);
                    gv = vf_coef * d_clip;
                    value_clipped = l2 > l1 ? 1.0f : 0.0f;
                    if (kGrads) out_gv[i] = store<E>(valid ? w * gv : 0.0f);
                }
                const float ent = kEntropy ? load(in_ent[i]) : 0.0f;
                if (kEntropy && kGrads) out_ge[i] = store<E>(valid ? g_ent : 0.0f);
                const float probe = v + old_v + ret + ent;
                c.vf[j] = valid ? vf : 0.0f;
                c.ent[j] = valid ? ent : 0.0f;
                c.vclip[j] = c.valid[j] * value_clipped;
                c.nan[j] += c.valid[j] * (probe != probe ? 1.0f : 0.0f);
            }
        }
#pragma omp simd reduction(+ : s_pg, s_kl, s_akl, s_akl3, s_ratio)
        for (int64_t j = 0; j < len; ++j) {
            const double lr = c.lr[j], r = c.r[j];
            s_pg += c.pg[j];
            s_kl += c.kl[j];
            s_akl += 0.5 * lr * lr;
            s_akl3 += (r - c.valid[j]) - lr;  // (r - 1) - lr at valid tokens, 0 elsewhere
            s_ratio += r;
        }
        if (kValues || kEntropy) {
#pragma omp simd reduction(+ : s_vf, s_ent)
            for (int64_t j = 0; j < len; ++j) {
                s_vf += c.vf[j];
                s_ent += c.ent[j];
            }
        }
        float f_lo = 0, f_hi = 0, f_dual = 0, f_vclip = 0, f_nan = 0;
#pragma omp simd reduction(+ : f_lo, f_hi, f_dual, f_nan)
        for (int64_t j = 0; j < len; ++j) {
            f_lo += c.clip_lo[j];
            f_hi += c.clip_hi[j];
            f_dual += c.dual[j];
            f_nan += c.nan[j];
        }
        if (kValues) {
#pragma omp simd reduction(+ : f_vclip)
            for (int64_t j = 0; j < len; ++j) f_vclip += c.vclip[j];
        }
        c_lo += f_lo;
        c_hi += f_hi;
        c_dual += f_dual;
        c_vclip += f_vclip;
        c_nan += f_nan;
#pragma omp simd reduction(min : r_min) reduction(max : r_max)
        for (int64_t j = 0; j < len; ++j) {
            const float r_lo = c.valid[j] != 0.0f ? c.r[j] : INFINITY;
            const float r_hi = c.valid[j] != 0.0f ? c.r[j] : -INFINITY;
            r_min = r_lo < r_min ? r_lo : r_min;
            r_max = r_hi > r_max ? r_hi : r_max;
        }
    }
    if (c_nan != 0.0) return false;
    out.pg = s_pg;
    out.vf = s_vf;
    out.kl = s_kl;
    out.ent = s_ent;
    out.clip_low = c_lo;
    out.clip_high = c_hi;
    out.dual = c_dual;
    out.vclip = c_vclip;
    out.approx_kl = s_akl;
    out.approx_kl_k3 = s_akl3;
    out.ratio_sum = s_ratio;
    out.ratio_min = r_min;
    out.ratio_max = r_max;
    out.nan = 0.0;
    out.seq_coef = 0.0;
    return true;
}

template <typename E>
using FastTile = bool (*)(const Buffers<E> &, const PpoParams &, int64_t, int64_t, float, PpoSums &);

template <typename E, bool kRef, bool kValues, bool kEntropy, bool kGrads>
FastTile<E> pick_kl(int kl) {
    if (!kRef) return run_tile_fast<E, false, kValues, kEntropy, RLAIF_PPO_KL_K1, kGrads>;
    switch (kl) {
        case RLAIF_PPO_KL_K1: return run_tile_fast<E, true, kValues, kEntropy, RLAIF_PPO_KL_K1, kGrads>;
        case RLAIF_PPO_KL_K2: return run_tile_fast<E, true, kValues, kEntropy, RLAIF_PPO_KL_K2, kGrads>;
        default: return run_tile_fast<E, true, kValues, kEntropy, RLAIF_PPO_KL_K3, kGrads>;
    }
}

template <typename E, bool kGrads>
FastTile<E> pick_inputs(const PpoParams &p) {
    const int key = (p.has_ref ? 4 : 0) | (p.has_values ? 2 : 0) | (p.has_entropy ? 1 : 0);
    switch (key) {
        case 0: return pick_kl<E, false, false, false, kGrads>(p.kl_estimator);
        case 1: return pick_kl<E, false, false, true, kGrads>(p.kl_estimator);
        case 2: return pick_kl<E, false, true, false, kGrads>(p.kl_estimator);
        case 3: return pick_kl<E, false, true, true, kGrads>(p.kl_estimator);
        case 4: return pick_kl<E, true, false, false, kGrads>(p.kl_estimator);
        case 5: return pick_kl<E, true, false, true, kGrads>(p.kl_estimator);
        case 6: return pick_kl<E, true, true, false, kGrads>(p.kl_estimator);
        default: return pick_kl<E, true, true, true, kGrads>(p.kl_estimator);
    }
}

// The instantiation of run_tile_fast for the inputs present and the gradients
// wanted: all of them (training) or none (loss only). Any other mix of
// gradient outputs runs the scalar path.
template <typename E>
FastTile<E> pick_fast_tile(const Buffers<E> &io, const PpoParams &p) {
    if (p.policy != RLAIF_PPO_POLICY_CLIP || p.has_isw) return nullptr;  // the scalar path covers the other modes
    const bool all = io.grad_logp != nullptr && (io.grad_values != nullptr) == p.has_values &&
                     (io.grad_entropy != nullptr) == p.has_entropy;
    const bool none = io.grad_logp == nullptr && io.grad_values == nullptr && io.grad_entropy == nullptr;
    if (all) return pick_inputs<E, true>(p);
    if (none) return pick_inputs<E, false>(p);
    return nullptr;
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
    const FastTile<E> fast = pick_fast_tile<E>(io, p);
    const bool gspo = p.policy == RLAIF_PPO_POLICY_GSPO;
    float *ratios = row_ratio(workspace, B);
    if (gspo) gspo_row_ratios(io, B, T, counts, ratios);
#pragma omp parallel for schedule(static) if (B * T >= kParallelMin && tiles > 1)
    for (int64_t tile = 0; tile < tiles; ++tile) {
        const int64_t b = tile / per_row;
        const int64_t begin = b * T + (tile % per_row) * kTile;
        const int64_t end = begin + kTile < (b + 1) * T ? begin + kTile : (b + 1) * T;
        const double w = rlaif::ppo_row_weight(o.aggregation, counts[b], N, R, o.norm_constant, o.row_norm);
        // Gradients take the weight rounded to float32, as autograd of a float32 loss does;
        // the loss terms take it in float64.
        if (fast == nullptr || !fast(io, p, begin, end, static_cast<float>(w), sums[tile])) {
            run_tile(io, p, begin, end, static_cast<float>(w), gspo ? fabsf(ratios[b]) : 1.0f, sums[tile]);
        }
        rlaif::sums_weight(sums[tile], w);
    }
    if (gspo && io.grad_logp != nullptr) {
        // The row's total d loss / d s_b * s_b (its tiles' sums in tile order), through the clamp and
        // the mean: the same amount on every valid token of the row.
        float *grads = row_grad(workspace, B);
        for (int64_t b = 0; b < B; ++b) {
            double c = 0.0;
            for (int64_t k = 0; k < per_row; ++k) c += sums[b * per_row + k].seq_coef;
            grads[b] = counts[b] > 0 && ratios[b] > 0.0f ? static_cast<float>(c / static_cast<double>(counts[b]))
                                                         : (ratios[b] != ratios[b] ? NAN : 0.0f);
        }
#pragma omp parallel for schedule(static) if (B * T >= kParallelMin && B > 1)
        for (int64_t b = 0; b < B; ++b) {
            const float w = static_cast<float>(
                rlaif::ppo_row_weight(o.aggregation, counts[b], N, R, o.norm_constant, o.row_norm));
            for (int64_t t = 0; t < T; ++t) rlaif::gspo_grad_step(io, p, b * T + t, w, grads[b]);
        }
    }
    PpoSums total;
    rlaif::sums_clear(total);
    for (int64_t tile = 0; tile < tiles; ++tile) rlaif::sums_merge(total, sums[tile]);
    rlaif::ppo_finish_stats(total, N, R, o.vf_coef, o.kl_coef, o.ent_coef, stats);
}

template <typename E>
int dispatch_typed(const void *logp, const void *old_logp, const void *adv, const uint8_t *mask, const void *ref,
                   const void *values, const void *old_values, const void *returns, const void *entropy,
                   const void *isw, int64_t B,
                   int64_t T, const rlaif_ppo_options &o, void *grad_logp, void *grad_values, void *grad_entropy,
                   double *stats, void *workspace) {
    Buffers<E> io{static_cast<const E *>(logp),       static_cast<const E *>(old_logp),
                  static_cast<const E *>(adv),        static_cast<const E *>(ref),
                  static_cast<const E *>(values),     static_cast<const E *>(old_values),
                  static_cast<const E *>(returns),    static_cast<const E *>(entropy),
                  mask,                               static_cast<E *>(grad_logp),
                  static_cast<E *>(grad_values),      static_cast<E *>(grad_entropy),
                  static_cast<const E *>(isw)};
    const PpoParams p = rlaif::ppo_params(o, ref != nullptr, values != nullptr, entropy != nullptr, isw != nullptr);
    run(io, B, T, o, p, stats, workspace);
    return RLAIF_OK;
}

}  // namespace

int64_t rlaif::cpu::RLAIF_CPU_ISA::ppo_loss_workspace_bytes(int64_t B, int64_t T) {
    if (B < 0 || T < 0) return RLAIF_ERR_INVALID_ARGUMENT;
    return 2 * B * static_cast<int64_t>(sizeof(int64_t)) + B * tiles_per_row(T) * static_cast<int64_t>(sizeof(PpoSums));
}

int rlaif::cpu::RLAIF_CPU_ISA::ppo_loss(int dtype, const void *logp, const void *old_logp, const void *advantages,
                                        const uint8_t *mask, const void *ref_logp, const void *values,
                                        const void *old_values, const void *returns, const void *entropy,
                                        const void *is_weights, int64_t B,
                                        int64_t T, const rlaif_ppo_options *options, void *grad_logp,
                                        void *grad_values, void *grad_entropy, double *stats, void *workspace) {
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
                                     is_weights, B, T, *options, grad_logp, grad_values, grad_entropy, stats, workspace);
    return dispatch_typed<bf16>(logp, old_logp, advantages, mask, ref_logp, values, old_values, returns, entropy,
                                is_weights, B, T, *options, grad_logp, grad_values, grad_entropy, stats, workspace);
}
