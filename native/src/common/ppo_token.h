// The per-token math of the fused PPO loss and the bookkeeping around it,
// shared by the CPU and CUDA kernels so both compute the same token terms
// (contract: include/rlaif/ppo_loss.h). The CPU's vectorised fast path
// (src/cpu/ppo_loss.cpp) restates this math branch-free with a polynomial exp
// within 1 ulp of expf; this scalar form defines the semantics, NaN included.
//
// Token terms are float32 and follow the operation order of the eager libtorch
// composition (reference/EagerPpoLoss.java), so that its autograd and these
// gradients agree to rounding, kinks included. Sums are float64.
#ifndef RLAIF_SRC_PPO_TOKEN_H
#define RLAIF_SRC_PPO_TOKEN_H

#include <cmath>
#include <cstdint>

#include "rlaif/ppo_loss.h"
#include "dtype.h"

namespace rlaif {

// Options reduced to what the token loop needs, constants rounded to float32
// once, as libtorch rounds a double Scalar for a float32 op.
struct PpoParams {
    float clip_lo, clip_hi;  // 1 - eps_low, 1 + eps_high
    float dual_c;            // 0 = off
    float value_clip;        // 0 = off
    float vf_coef, kl_coef, ent_coef;
    int kl_estimator;
    int policy;              // RLAIF_PPO_POLICY_*
    bool has_ref, has_values, has_entropy, has_isw;
};

inline bool finite_at_least(double x, double lo) { return std::isfinite(x) && x >= lo; }

// Options checked against the ranges of the header, and the presence rules.
inline bool ppo_options_valid(const rlaif_ppo_options &o, bool has_ref, bool has_values, bool has_entropy) {
    if (o.aggregation < RLAIF_PPO_AGG_TOKEN_MEAN || o.aggregation > RLAIF_PPO_AGG_TOKEN_SUM_NORM) return false;
    if (o.policy_loss < RLAIF_PPO_POLICY_CLIP || o.policy_loss > RLAIF_PPO_POLICY_CISPO) return false;
    if (o.policy_loss == RLAIF_PPO_POLICY_CISPO && o.dual_clip != 0.0) return false;
    if (!finite_at_least(o.row_norm, 0.0)) return false;
    if (o.kl_estimator < RLAIF_PPO_KL_K1 || o.kl_estimator > RLAIF_PPO_KL_K3) return false;
    if (!(o.eps_low > 0.0 && o.eps_low < 1.0)) return false;
    if (!(std::isfinite(o.eps_high) && o.eps_high > 0.0)) return false;
    if (!(o.dual_clip == 0.0 || (std::isfinite(o.dual_clip) && o.dual_clip > 1.0))) return false;
    if (!finite_at_least(o.value_clip, 0.0)) return false;
    if (!finite_at_least(o.vf_coef, 0.0) || !finite_at_least(o.kl_coef, 0.0) || !finite_at_least(o.ent_coef, 0.0))
        return false;
    if (!(std::isfinite(o.norm_constant) && o.norm_constant > 0.0)) return false;
    if ((o.vf_coef > 0.0 && !has_values) || (o.kl_coef > 0.0 && !has_ref) || (o.ent_coef > 0.0 && !has_entropy))
        return false;
    return true;
}

inline PpoParams ppo_params(const rlaif_ppo_options &o, bool has_ref, bool has_values, bool has_entropy,
                            bool has_isw) {
    PpoParams p;
    p.policy = o.policy_loss;
    p.has_isw = has_isw;
    p.clip_lo = static_cast<float>(1.0 - o.eps_low);
    p.clip_hi = static_cast<float>(1.0 + o.eps_high);
    p.dual_c = static_cast<float>(o.dual_clip);
    p.value_clip = static_cast<float>(o.value_clip);
    p.vf_coef = static_cast<float>(o.vf_coef);
    p.kl_coef = static_cast<float>(o.kl_coef);
    p.ent_coef = static_cast<float>(o.ent_coef);
    p.kl_estimator = o.kl_estimator;
    p.has_ref = has_ref;
    p.has_values = has_values;
    p.has_entropy = has_entropy;
    return p;
}

// torch.clamp: NaN stays NaN.
RLAIF_HD float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }
// clamp's gradient mask: inclusive at both ends.
RLAIF_HD float inside(float x, float lo, float hi) { return x >= lo && x <= hi ? 1.0f : 0.0f; }
// torch.maximum / minimum: NaN in either operand gives NaN.
RLAIF_HD float maxf(float a, float b) { return (a > b || a != a) ? a : b; }
RLAIF_HD float minf(float a, float b) { return (a < b || a != a) ? a : b; }
// Share of the gradient that torch.maximum(a, b) (resp. minimum) sends to a.
RLAIF_HD float max_share(float a, float b) { return a > b ? 1.0f : (a == b ? 0.5f : 0.0f); }
RLAIF_HD float min_share(float a, float b) { return a < b ? 1.0f : (a == b ? 0.5f : 0.0f); }

struct PpoToken {
    float pg, vf, kl;       // per-token loss terms (0 for a part that is off)
    float g_logp;           // d (pg + kl_coef * kl) / d logp, before the aggregation weight (GSPO: the KL part only)
    float g_seq;            // GSPO: d pg / d s * s (the row's ratio s), before the weight; else 0
    float g_value;          // d (vf_coef * vf) / d v, before the aggregation weight
    float ratio, logratio;  // after the clamp of the logratio (GSPO: ratio = the row's s)
    float token_ratio;      // exp of the clamped token logratio (approx KL k3)
    bool clip_low, clip_high, dual_clipped, value_clipped, nan;
};

// One valid token. ref / v / old_v / ret are read only when their part is on;
// seq_r is the row's sequence ratio s (GSPO only), isw the token's importance
// weight (used when p.has_isw).
RLAIF_HD PpoToken ppo_token(const PpoParams &p, float logp, float old_logp, float adv, float ref, float v,
                            float old_v, float ret, float ent, float seq_r, float isw) {
    const float bound = RLAIF_PPO_LOGRATIO_BOUND;
    PpoToken k;
    const float raw = logp - old_logp;
    const float lr = clampf(raw, -bound, bound);
    const float rt = expf(lr);
    const float neg_a = -adv;
    float g;
    k.g_seq = 0.0f;
    k.dual_clipped = false;
    k.logratio = lr;
    k.token_ratio = rt;
    if (p.policy == RLAIF_PPO_POLICY_CISPO) {
        // pg = -A * sg(clamp(r, lo, hi)) * logp: the clipped ratio is a constant weight.
        const float wc = clampf(rt, p.clip_lo, p.clip_hi);
        const float coef = neg_a * wc;
        float pg = coef * logp;
        g = coef;
        if (p.has_isw) {
            pg = pg * isw;
            g = g * isw;
        }
        k.pg = pg;
        k.ratio = rt;
        k.clip_low = rt < p.clip_lo;
        k.clip_high = rt > p.clip_hi;
    } else {
        // Policy term: pg = max(pg1, pg2) with pg1 = -A r, pg2 = -A clamp(r); GSPO: r = s of the row.
        const float r = p.policy == RLAIF_PPO_POLICY_GSPO ? seq_r : rt;
        const float pg1 = neg_a * r;
        const float pg2 = neg_a * clampf(r, p.clip_lo, p.clip_hi);
        float pg = maxf(pg1, pg2);
        // d pg / d r: pg1 contributes -A, pg2 contributes -A inside the clip range.
        float d_pg = max_share(pg1, pg2) * neg_a + max_share(pg2, pg1) * neg_a * inside(r, p.clip_lo, p.clip_hi);
        if (p.dual_c != 0.0f && adv < 0.0f) {
            const float pg3 = neg_a * p.dual_c;  // constant: no gradient
            k.dual_clipped = pg > pg3;
            d_pg *= min_share(pg, pg3);
            pg = minf(pg3, pg);
        }
        if (p.has_isw) {
            pg = pg * isw;
            d_pg = d_pg * isw;
        }
        k.pg = pg;
        if (p.policy == RLAIF_PPO_POLICY_GSPO) {
            k.g_seq = d_pg * r;  // reaches every token of the row through s = exp(mean logratio)
            g = 0.0f;
        } else {
            // Through exp (d r = r d lr) and the logratio clamp.
            g = d_pg * r * inside(raw, -bound, bound);
        }
        k.ratio = r;
        k.clip_low = adv < 0.0f && r < p.clip_lo;
        k.clip_high = adv > 0.0f && r > p.clip_hi;
    }

    // KL to the reference, d = ref - logp, so d d / d logp = -1.
    k.kl = 0.0f;
    if (p.has_ref) {
        const float d = ref - logp;
        float dk;  // d kl / d d
        if (p.kl_estimator == RLAIF_PPO_KL_K1) {
            k.kl = -d;
            dk = -1.0f;
        } else if (p.kl_estimator == RLAIF_PPO_KL_K2) {
            k.kl = 0.5f * (d * d);
            dk = d;
        } else {
            const float dc = clampf(d, -bound, bound);
            const float e = expf(dc);
            k.kl = e - dc - 1.0f;
            dk = (e - 1.0f) * inside(d, -bound, bound);
        }
        g += p.kl_coef * -dk;
    }
    k.g_logp = g;

    // Value term.
    k.vf = 0.0f;
    k.g_value = 0.0f;
    k.value_clipped = false;
    if (p.has_values) {
        const float e1 = v - ret;
        const float l1 = e1 * e1;
        if (p.value_clip != 0.0f) {
            // clamp(v, old - c, old + c) rather than old + clamp(v - old, -c, c): the same
            // math, but exactly v inside the range, so the two losses tie exactly there.
            const float lo = old_v - p.value_clip, hi = old_v + p.value_clip;
            const float e2 = clampf(v, lo, hi) - ret;
            const float l2 = e2 * e2;
            k.vf = 0.5f * maxf(l1, l2);
            k.value_clipped = l2 > l1;
            const float d_vf =
                0.5f * (max_share(l1, l2) * 2.0f * e1 + max_share(l2, l1) * 2.0f * e2 * inside(v, lo, hi));
            k.g_value = p.vf_coef * d_vf;
        } else {
            k.vf = 0.5f * l1;
            k.g_value = p.vf_coef * e1;
        }
    }
    k.nan = logp != logp || old_logp != old_logp || adv != adv || (p.has_ref && ref != ref) ||
            (p.has_values && (v != v || old_v != old_v || ret != ret)) || (p.has_entropy && ent != ent) ||
            (p.has_isw && isw != isw);
    return k;
}

// Inputs and outputs of one call, typed; optional ones are null.
template <typename E>
struct PpoBuffers {
    const E *logp, *old_logp, *adv, *ref, *values, *old_values, *returns, *entropy;
    const uint8_t *mask;
    E *grad_logp, *grad_values, *grad_entropy;
    const E *isw;  // per-token importance weights, or null
};

// Partial sums of one tile (a run of tokens of one row). The loss terms are
// already multiplied by the row's aggregation weight; the rest are plain sums.
struct PpoSums {
    double pg, vf, kl, ent;
    double clip_low, clip_high, dual, vclip, approx_kl, approx_kl_k3, ratio_sum;
    double ratio_min, ratio_max;
    double nan;
    double seq_coef;  // GSPO: sum of w * g_seq over the tile's tokens (float32 weight, as the gradients)
};

RLAIF_HD void sums_clear(PpoSums &s) {
    s.pg = s.vf = s.kl = s.ent = 0.0;
    s.clip_low = s.clip_high = s.dual = s.vclip = s.approx_kl = s.approx_kl_k3 = s.ratio_sum = 0.0;
    s.ratio_min = INFINITY;
    s.ratio_max = -INFINITY;
    s.nan = 0.0;
    s.seq_coef = 0.0;
}

RLAIF_HD void sums_add_token(PpoSums &s, const PpoToken &k, float ent) {
    s.pg += k.pg;
    s.vf += k.vf;
    s.kl += k.kl;
    s.ent += ent;
    s.clip_low += k.clip_low ? 1.0 : 0.0;
    s.clip_high += k.clip_high ? 1.0 : 0.0;
    s.dual += k.dual_clipped ? 1.0 : 0.0;
    s.vclip += k.value_clipped ? 1.0 : 0.0;
    const double lr = k.logratio, r = k.ratio;
    s.approx_kl += 0.5 * lr * lr;
    s.approx_kl_k3 += (static_cast<double>(k.token_ratio) - 1.0) - lr;
    s.ratio_sum += r;
    // NaN-propagating min / max: a NaN ratio must show in the statistics.
    s.ratio_min = (r < s.ratio_min || r != r) ? r : s.ratio_min;
    s.ratio_max = (r > s.ratio_max || r != r) ? r : s.ratio_max;
    s.nan += k.nan ? 1.0 : 0.0;
}

// The scalar path of one token i: its terms into the tile sums, its gradients
// (weight w for the loss terms, g_ent for the entropy) into the outputs given.
// GSPO: d loss / d logp needs the row's total (gspo_grad_step), so grad_logp is
// not written here; the token's w * g_seq goes into sums.seq_coef instead.
template <typename E>
RLAIF_HD void ppo_scalar_step(const PpoBuffers<E> &io, const PpoParams &p, int64_t i, float w, float g_ent,
                              float seq_r, PpoSums &sums) {
    const bool valid = io.mask[i] != 0;
    float gl = 0.0f, gv = 0.0f, ge = 0.0f;
    if (valid) {
        const float ent = p.has_entropy ? load(io.entropy[i]) : 0.0f;
        const PpoToken k = ppo_token(p, load(io.logp[i]), load(io.old_logp[i]), load(io.adv[i]),
                                     p.has_ref ? load(io.ref[i]) : 0.0f, p.has_values ? load(io.values[i]) : 0.0f,
                                     p.has_values ? load(io.old_values[i]) : 0.0f,
                                     p.has_values ? load(io.returns[i]) : 0.0f, ent, seq_r,
                                     p.has_isw ? load(io.isw[i]) : 1.0f);
        sums_add_token(sums, k, ent);
        sums.seq_coef += static_cast<double>(w * k.g_seq);
        gl = w * k.g_logp;
        gv = w * k.g_value;
        ge = g_ent;
    }
    if (io.grad_logp != nullptr && p.policy != RLAIF_PPO_POLICY_GSPO) io.grad_logp[i] = store<E>(gl);
    if (io.grad_values != nullptr) io.grad_values[i] = store<E>(gv);
    if (io.grad_entropy != nullptr) io.grad_entropy[i] = store<E>(ge);
}

// GSPO's sequence log-ratio of a row: the float64 sum of logp - old_logp over
// its valid tokens, divided by their number n (> 0), rounded to float32.
RLAIF_HD float gspo_row_logratio(double sum, int64_t n) {
    return static_cast<float>(sum / static_cast<double>(n));
}

// GSPO's gradient of token i of a row whose d loss / d s * s summed over its
// tokens (weights applied) is `row_coef`: the KL part of the token plus
// row_coef * [|slr| <= BOUND] / n, the path through s = exp(clamp(slr)).
template <typename E>
RLAIF_HD void gspo_grad_step(const PpoBuffers<E> &io, const PpoParams &p, int64_t i, float w, float row_grad) {
    if (io.grad_logp == nullptr) return;
    float gl = 0.0f;
    if (io.mask[i] != 0) {
        float g_kl = 0.0f;
        if (p.has_ref) {
            const float bound = RLAIF_PPO_LOGRATIO_BOUND;
            const float logp = load(io.logp[i]);
            const float d = load(io.ref[i]) - logp;
            float dk;
            if (p.kl_estimator == RLAIF_PPO_KL_K1) {
                dk = -1.0f;
            } else if (p.kl_estimator == RLAIF_PPO_KL_K2) {
                dk = d;
            } else {
                const float dc = clampf(d, -bound, bound);
                dk = (expf(dc) - 1.0f) * inside(d, -bound, bound);
            }
            g_kl = p.kl_coef * -dk;
        }
        gl = w * g_kl + row_grad;
    }
    io.grad_logp[i] = store<E>(gl);
}

// Applies the row weight to the loss terms of a finished tile.
RLAIF_HD void sums_weight(PpoSums &s, double w) {
    s.pg *= w;
    s.vf *= w;
    s.kl *= w;
    s.ent *= w;
}

RLAIF_HD void sums_merge(PpoSums &a, const PpoSums &b) {
    a.pg += b.pg;
    a.vf += b.vf;
    a.kl += b.kl;
    a.ent += b.ent;
    a.clip_low += b.clip_low;
    a.clip_high += b.clip_high;
    a.dual += b.dual;
    a.vclip += b.vclip;
    a.approx_kl += b.approx_kl;
    a.approx_kl_k3 += b.approx_kl_k3;
    a.ratio_sum += b.ratio_sum;
    a.ratio_min = (b.ratio_min < a.ratio_min || b.ratio_min != b.ratio_min) ? b.ratio_min : a.ratio_min;
    a.ratio_max = (b.ratio_max > a.ratio_max || b.ratio_max != b.ratio_max) ? b.ratio_max : a.ratio_max;
    a.nan += b.nan;
    a.seq_coef += b.seq_coef;
}

// Aggregation weight of each valid token of a row with n valid tokens, given
// N valid tokens and R non-empty rows in the batch (row_norm > 0 replaces R).
// 0 for an empty row.
RLAIF_HD double ppo_row_weight(int aggregation, int64_t n, int64_t N, int64_t R, double norm_constant,
                               double row_norm) {
    if (n == 0) return 0.0;
    const double rows = row_norm > 0.0 ? row_norm : static_cast<double>(R);
    switch (aggregation) {
        case RLAIF_PPO_AGG_TOKEN_MEAN: return 1.0 / static_cast<double>(N);
        case RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_MEAN: return 1.0 / (rows * static_cast<double>(n));
        case RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_SUM: return 1.0 / rows;
        default: return 1.0 / norm_constant;
    }
}

// Totals to the stats array of the header.
RLAIF_HD void ppo_finish_stats(const PpoSums &s, int64_t N, int64_t R, double vf_coef, double kl_coef,
                               double ent_coef, double *stats) {
    const double n = static_cast<double>(N);
    const double nan = NAN;
    stats[RLAIF_PPO_STAT_LOSS] = s.pg + vf_coef * s.vf + kl_coef * s.kl - ent_coef * s.ent;
    stats[RLAIF_PPO_STAT_POLICY_LOSS] = s.pg;
    stats[RLAIF_PPO_STAT_VALUE_LOSS] = s.vf;
    stats[RLAIF_PPO_STAT_KL_LOSS] = s.kl;
    stats[RLAIF_PPO_STAT_ENTROPY] = s.ent;
    stats[RLAIF_PPO_STAT_CLIPFRAC_LOW] = N > 0 ? s.clip_low / n : nan;
    stats[RLAIF_PPO_STAT_CLIPFRAC_HIGH] = N > 0 ? s.clip_high / n : nan;
    stats[RLAIF_PPO_STAT_DUAL_CLIPFRAC] = N > 0 ? s.dual / n : nan;
    stats[RLAIF_PPO_STAT_VALUE_CLIPFRAC] = N > 0 ? s.vclip / n : nan;
    stats[RLAIF_PPO_STAT_APPROX_KL] = N > 0 ? s.approx_kl / n : nan;
    stats[RLAIF_PPO_STAT_APPROX_KL_K3] = N > 0 ? s.approx_kl_k3 / n : nan;
    stats[RLAIF_PPO_STAT_RATIO_MEAN] = N > 0 ? s.ratio_sum / n : nan;
    stats[RLAIF_PPO_STAT_RATIO_MIN] = N > 0 ? s.ratio_min : nan;
    stats[RLAIF_PPO_STAT_RATIO_MAX] = N > 0 ? s.ratio_max : nan;
    stats[RLAIF_PPO_STAT_VALID_TOKENS] = n;
    stats[RLAIF_PPO_STAT_VALID_ROWS] = static_cast<double>(R);
    stats[RLAIF_PPO_STAT_NAN_TOKENS] = s.nan;
}

}  // namespace rlaif

#endif
