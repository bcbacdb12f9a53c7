// Test data for the PPO loss kernel (kept away from the loss's kinks), and the
// plain float64 PPO loss, statistics and gradients, written from the math in
// include/rlaif/ppo_loss.h as a case analysis (which clip binds), not as the
// kernel's max/min formulation, so the two check each other. Inputs must keep
// away from the kinks (tests resample tokens that come near one); exact kinks
// are tested separately against hand-computed values.
#ifndef RLAIF_PPO_REFERENCE_H
#define RLAIF_PPO_REFERENCE_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "rlaif/ppo_loss.h"
#include "test_util.h"

struct PpoData {
    int64_t B = 0, T = 0;
    std::vector<float> logp, old_logp, adv, ref, values, old_values, returns, entropy;  // optional ones empty
    std::vector<float> isw;  // importance weights, optional
    std::vector<uint8_t> mask;
};

struct PpoReference {
    double stats[RLAIF_PPO_NUM_STATS];
    std::vector<double> g_logp, g_values, g_entropy;
    // Per-token tolerance scale for grad_logp: the magnitudes of its parts
    // (float32 math loses ~1e-6 of each, more when the parts cancel).
    std::vector<double> scale_logp;
    // Sum over valid tokens of w * (|term| + 1), per loss term: tolerance scale of the terms.
    double scale_pg = 0, scale_vf = 0, scale_kl = 0, scale_ent = 0;
};

inline double ref_row_weight(const rlaif_ppo_options &o, int64_t n, int64_t N, int64_t R) {
    if (n == 0) return 0.0;
    const double rows = o.row_norm > 0 ? o.row_norm : double(R);
    switch (o.aggregation) {
        case RLAIF_PPO_AGG_TOKEN_MEAN: return 1.0 / N;
        case RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_MEAN: return 1.0 / (rows * n);
        case RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_SUM: return 1.0 / rows;
        default: return 1.0 / o.norm_constant;
    }
}

inline PpoReference ppo_reference(const PpoData &d, const rlaif_ppo_options &o) {
    const double bound = 20.0, lo = 1.0 - o.eps_low, hi = 1.0 + o.eps_high;
    const bool has_ref = !d.ref.empty(), has_values = !d.values.empty(), has_ent = !d.entropy.empty();
    const bool has_isw = !d.isw.empty();
    const bool gspo = o.policy_loss == RLAIF_PPO_POLICY_GSPO, cispo = o.policy_loss == RLAIF_PPO_POLICY_CISPO;
    const size_t n = static_cast<size_t>(d.B * d.T);
    PpoReference out;
    out.g_logp.assign(n, 0.0);
    out.g_values.assign(n, 0.0);
    out.g_entropy.assign(n, 0.0);
    out.scale_logp.assign(n, 0.0);
    std::vector<int64_t> counts(static_cast<size_t>(d.B), 0);
    int64_t N = 0, R = 0;
    for (int64_t b = 0; b < d.B; ++b) {
        for (int64_t t = 0; t < d.T; ++t) counts[b] += d.mask[b * d.T + t] ? 1 : 0;
        N += counts[b];
        R += counts[b] > 0;
    }
    double pg_sum = 0, vf_sum = 0, kl_sum = 0, ent_sum = 0;
    double low = 0, high = 0, dual = 0, vclip = 0, k2 = 0, k3 = 0, rsum = 0, nan = 0;
    double rmin = std::numeric_limits<double>::infinity(), rmax = -rmin;
    for (int64_t b = 0; b < d.B; ++b) {
        const double w = ref_row_weight(o, counts[b], N, R);
        // GSPO: the row's mean logratio and its ratio s; the row's d loss / d s * s, summed below.
        double slr = 0;
        for (int64_t t = 0; t < d.T; ++t)
            if (d.mask[b * d.T + t]) slr += double(d.logp[b * d.T + t]) - d.old_logp[b * d.T + t];
        slr = counts[b] > 0 ? slr / counts[b] : 0.0;
        const double s_row = std::exp(std::clamp(slr, -bound, bound));
        double row_coef = 0, row_scale = 0;
        for (int64_t t = 0; t < d.T; ++t) {
            const size_t i = static_cast<size_t>(b * d.T + t);
            if (!d.mask[i]) continue;
            const double A = d.adv[i], raw = double(d.logp[i]) - d.old_logp[i];
            const double lr = std::clamp(raw, -bound, bound);
            const double rt = std::exp(lr);
            const double r = gspo ? s_row : rt;
            const double wis = has_isw ? d.isw[i] : 1.0;
            bool binds_high, binds_low, dual_binds = false;
            double pg, g, scale;
            const double dlr = std::fabs(raw) <= bound ? 1.0 : 0.0;
            if (cispo) {
                // A constant weight clamp(r) on -A logp: d pg / d logp = -A clamp(r).
                binds_high = r > hi, binds_low = r < lo;
                pg = wis * -A * std::clamp(r, lo, hi) * d.logp[i];
                g = w * wis * -A * std::clamp(r, lo, hi);
                scale = w * wis * std::fabs(A) * r;
            } else {
                // Policy: the clipped objective binds when it is the smaller one, i.e. above for
                // A > 0 and below for A < 0; then d pg / d r = 0, else -A.
                binds_high = A > 0 && r > hi, binds_low = A < 0 && r < lo;
                pg = (binds_high || binds_low) ? -A * std::clamp(r, lo, hi) : -A * r;
                double dpg_dr = (binds_high || binds_low) ? 0.0 : -A;
                dual_binds = o.dual_clip != 0 && A < 0 && pg > -A * o.dual_clip;
                if (dual_binds) {
                    pg = -A * o.dual_clip;
                    dpg_dr = 0.0;
                }
                pg *= wis;
                if (gspo) {
                    row_coef += w * wis * dpg_dr * r;
                    row_scale += w * wis * std::fabs(A) * r;
                    g = 0, scale = 0;
                } else {
                    g = w * wis * dpg_dr * r * dlr;
                    scale = w * wis * std::fabs(A) * r;
                }
            }
            double kl = 0;
            if (has_ref) {
                const double dd = double(d.ref[i]) - d.logp[i];
                double dkl_dlogp;
                if (o.kl_estimator == RLAIF_PPO_KL_K1) {
                    kl = -dd;
                    dkl_dlogp = 1.0;
                } else if (o.kl_estimator == RLAIF_PPO_KL_K2) {
                    kl = 0.5 * dd * dd;
                    dkl_dlogp = -dd;
                } else {
                    const double dc = std::clamp(dd, -bound, bound);
                    kl = std::exp(dc) - dc - 1.0;
                    dkl_dlogp = std::fabs(dd) <= bound ? -(std::exp(dc) - 1.0) : 0.0;
                }
                g += w * o.kl_coef * dkl_dlogp;
                scale += w * o.kl_coef * (1.0 + std::fabs(dkl_dlogp));
            }
            out.g_logp[i] = g;
            out.scale_logp[i] = scale;
            double vf = 0;
            if (has_values) {
                const double v = d.values[i], ov = d.old_values[i], ret = d.returns[i];
                double dvf;
                if (o.value_clip == 0 || std::fabs(v - ov) <= o.value_clip) {
                    vf = 0.5 * (v - ret) * (v - ret);  // inside the clip range the clipped value is v itself
                    dvf = v - ret;
                } else {
                    const double vc = v > ov ? ov + o.value_clip : ov - o.value_clip;
                    const double l1 = (v - ret) * (v - ret), l2 = (vc - ret) * (vc - ret);
                    vf = 0.5 * std::max(l1, l2);
                    dvf = l2 > l1 ? 0.0 : v - ret;  // vc is a constant out of the range
                    vclip += l2 > l1;
                }
                out.g_values[i] = w * o.vf_coef * dvf;
            }
            const double ent = has_ent ? d.entropy[i] : 0.0;
            if (has_ent) out.g_entropy[i] = -w * o.ent_coef;
            pg_sum += w * pg;
            vf_sum += w * vf;
            kl_sum += w * kl;
            ent_sum += w * ent;
            out.scale_pg += w * (std::fabs(pg) + 1);
            out.scale_vf += w * (std::fabs(vf) + 1);
            out.scale_kl += w * (std::fabs(kl) + 1);
            out.scale_ent += w * (std::fabs(ent) + 1);
            low += binds_low;
            high += binds_high;
            dual += dual_binds;
            k2 += 0.5 * lr * lr;
            k3 += (rt - 1.0) - lr;
            rsum += r;
            rmin = std::min(rmin, r);
            rmax = std::max(rmax, r);
            bool any_nan = std::isnan(d.logp[i]) || std::isnan(d.old_logp[i]) || std::isnan(d.adv[i]) ||
                           (has_ref && std::isnan(d.ref[i])) || (has_ent && std::isnan(d.entropy[i])) ||
                           (has_values && (std::isnan(d.values[i]) || std::isnan(d.old_values[i]) ||
                                           std::isnan(d.returns[i]))) || (has_isw && std::isnan(d.isw[i]));
            nan += any_nan;
        }
        if (gspo && counts[b] > 0) {  // through s = exp(clamp(slr)) and the mean: the same on every valid token
            const double per_token = std::fabs(slr) <= bound ? row_coef / counts[b] : 0.0;
            for (int64_t t = 0; t < d.T; ++t) {
                const size_t i = static_cast<size_t>(b * d.T + t);
                if (!d.mask[i]) continue;
                out.g_logp[i] += per_token;
                out.scale_logp[i] += row_scale / counts[b];
            }
        }
    }
    const double q = std::numeric_limits<double>::quiet_NaN();
    double *s = out.stats;
    s[RLAIF_PPO_STAT_LOSS] = pg_sum + o.vf_coef * vf_sum + o.kl_coef * kl_sum - o.ent_coef * ent_sum;
    s[RLAIF_PPO_STAT_POLICY_LOSS] = pg_sum;
    s[RLAIF_PPO_STAT_VALUE_LOSS] = vf_sum;
    s[RLAIF_PPO_STAT_KL_LOSS] = kl_sum;
    s[RLAIF_PPO_STAT_ENTROPY] = ent_sum;
    s[RLAIF_PPO_STAT_CLIPFRAC_LOW] = N ? low / N : q;
    s[RLAIF_PPO_STAT_CLIPFRAC_HIGH] = N ? high / N : q;
    s[RLAIF_PPO_STAT_DUAL_CLIPFRAC] = N ? dual / N : q;
    s[RLAIF_PPO_STAT_VALUE_CLIPFRAC] = N ? vclip / N : q;
    s[RLAIF_PPO_STAT_APPROX_KL] = N ? k2 / N : q;
    s[RLAIF_PPO_STAT_APPROX_KL_K3] = N ? k3 / N : q;
    s[RLAIF_PPO_STAT_RATIO_MEAN] = N ? rsum / N : q;
    s[RLAIF_PPO_STAT_RATIO_MIN] = N ? rmin : q;
    s[RLAIF_PPO_STAT_RATIO_MAX] = N ? rmax : q;
    s[RLAIF_PPO_STAT_VALID_TOKENS] = double(N);
    s[RLAIF_PPO_STAT_VALID_ROWS] = double(R);
    s[RLAIF_PPO_STAT_NAN_TOKENS] = nan;
    return out;
}

// True when a token lies within `margin` of a kink of the loss, where float32
// rounding could pick the other side than the float64 reference.
inline bool near_kink(const rlaif_ppo_options &o, double logp, double old, double A, double ref, double v, double ov,
               double ret) {
    const double m = 1e-3, raw = logp - old, r = std::exp(std::clamp(raw, -20.0, 20.0));
    if (std::fabs(std::fabs(raw) - 20.0) < m) return true;
    if (std::fabs(r - (1 - o.eps_low)) < m || std::fabs(r - (1 + o.eps_high)) < m) return true;
    if (o.dual_clip != 0 && A < 0) {
        const double pg = -A * std::max(r, std::clamp(r, 1 - o.eps_low, 1 + o.eps_high));
        if (std::fabs(pg + A * o.dual_clip) < m * (1 + std::fabs(A * o.dual_clip))) return true;
    }
    if (std::fabs(std::fabs(ref - logp) - 20.0) < m) return true;
    if (o.value_clip != 0) {
        if (std::fabs(std::fabs(v - ov) - o.value_clip) < m) return true;
        const double vc = std::clamp(v, ov - o.value_clip, ov + o.value_clip);
        const double l1 = (v - ret) * (v - ret), l2 = (vc - ret) * (vc - ret);
        if (vc != v && std::fabs(l1 - l2) < m * (1 + l1)) return true;
    }
    return false;
}

// Random batch; masked positions hold NaN (they must never be read). Row 1 is
// empty when B >= 3. About 5% of tokens have |logratio| up to 25 and 3% a
// reference logratio up to 25, beyond the clamp of 20.
inline PpoData make_ppo_data(int64_t B, int64_t T, rt::MaskKind mk, const rlaif_ppo_options &o, bool ref, bool values,
                  bool entropy, std::mt19937_64 &rng) {
    PpoData d;
    d.B = B;
    d.T = T;
    const size_t n = static_cast<size_t>(B * T);
    d.mask = rt::make_mask(mk, B, T, rng);
    if (B >= 3)
        for (int64_t t = 0; t < T; ++t) d.mask[T + t] = 0;
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    auto resize = [n](std::vector<float> &x, bool on) { x.assign(on ? n : 0, 0.0f); };
    resize(d.logp, true), resize(d.old_logp, true), resize(d.adv, true), resize(d.ref, ref);
    resize(d.values, values), resize(d.old_values, values), resize(d.returns, values), resize(d.entropy, entropy);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (size_t i = 0; i < n; ++i) {
        if (!d.mask[i]) {
            for (auto *x : {&d.logp, &d.old_logp, &d.adv, &d.ref, &d.values, &d.old_values, &d.returns, &d.entropy})
                if (!x->empty()) (*x)[i] = nan;
            continue;
        }
        for (;;) {
            const float old = static_cast<float>(-2.0 + normal(rng));
            const double lr = unit(rng) < 0.05 ? 50.0 * (unit(rng) - 0.5) : 0.6 * normal(rng);
            const float logp = static_cast<float>(old + lr);
            const float A = static_cast<float>(normal(rng));
            const double dref = unit(rng) < 0.03 ? 50.0 * (unit(rng) - 0.5) : 0.5 * normal(rng);
            const float rf = static_cast<float>(logp + dref);
            const float v = static_cast<float>(normal(rng));
            const float ov = static_cast<float>(v + 0.3 * normal(rng));
            const float ret = static_cast<float>(normal(rng));
            if (near_kink(o, logp, old, A, ref ? rf : 0.0f, v, ov, ret)) continue;
            d.logp[i] = logp, d.old_logp[i] = old, d.adv[i] = A;
            if (ref) d.ref[i] = rf;
            if (values) d.values[i] = v, d.old_values[i] = ov, d.returns[i] = ret;
            if (entropy) d.entropy[i] = static_cast<float>(3.0 * unit(rng));
            break;
        }
    }
    return d;
}

// GSPO: shifts a row's old log-probs until its sequence ratio s keeps away from
// the clip edges (and the dual-clip level), where float32 could pick the other side.
inline void gspo_avoid_kinks(PpoData &d, const rlaif_ppo_options &o) {
    for (int64_t b = 0; b < d.B; ++b) {
        for (int tries = 0; tries < 100; ++tries) {
            double slr = 0;
            int64_t n = 0;
            for (int64_t t = 0; t < d.T; ++t)
                if (d.mask[b * d.T + t]) slr += double(d.logp[b * d.T + t]) - d.old_logp[b * d.T + t], ++n;
            if (n == 0) break;
            slr /= n;
            const double s = std::exp(std::clamp(slr, -20.0, 20.0)), m = 2e-3;
            bool near = std::fabs(s - (1 - o.eps_low)) < m || std::fabs(s - (1 + o.eps_high)) < m ||
                        std::fabs(std::fabs(slr) - 20.0) < m || (o.dual_clip != 0 && std::fabs(s - o.dual_clip) < m);
            if (!near) break;
            for (int64_t t = 0; t < d.T; ++t)
                if (d.mask[b * d.T + t]) d.old_logp[b * d.T + t] -= 0.01f;
        }
    }
}

// Importance weights in [0, 2] at valid tokens (some exactly 0), NaN where masked.
inline void add_isw(PpoData &d, std::mt19937_64 &rng) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    d.isw.assign(d.mask.size(), std::numeric_limits<float>::quiet_NaN());
    for (size_t i = 0; i < d.mask.size(); ++i)
        if (d.mask[i]) d.isw[i] = unit(rng) < 0.1 ? 0.0f : static_cast<float>(2.0 * unit(rng));
}

#endif
