// Fused PPO loss (CPU) against the float64 reference: every option
// combination on random masked batches (empty rows, ratios far outside the
// clip range, logratios beyond the clamp), exact kinks against hand-computed
// subgradients, bfloat16, NaN counting, loss-only mode, determinism across
// thread counts, and argument errors.
#include <omp.h>

#include <algorithm>
#include <limits>

#include "ppo_reference.h"
#include "rlaif/ppo_loss.h"
#include "test_util.h"

namespace {

rlaif_ppo_options base_options() {
    rlaif_ppo_options o{};
    o.aggregation = RLAIF_PPO_AGG_TOKEN_MEAN;
    o.kl_estimator = RLAIF_PPO_KL_K3;
    o.eps_low = 0.2;
    o.eps_high = 0.2;
    o.dual_clip = 0.0;
    o.value_clip = 0.0;
    o.vf_coef = 0.0;
    o.kl_coef = 0.0;
    o.ent_coef = 0.0;
    o.norm_constant = 1.0;
    return o;
}

const void *opt(const std::vector<float> &x) { return x.empty() ? nullptr : x.data(); }

struct Output {
    double stats[RLAIF_PPO_NUM_STATS];
    std::vector<float> g_logp, g_values, g_entropy;
    int status;
};

Output run_f32(const PpoData &d, const rlaif_ppo_options &o, bool grads = true) {
    const size_t n = static_cast<size_t>(d.B * d.T);
    Output out;
    out.g_logp.assign(n, -9.0f);
    out.g_values.assign(d.values.empty() ? 0 : n, -9.0f);
    out.g_entropy.assign(d.entropy.empty() ? 0 : n, -9.0f);
    std::vector<char> ws(static_cast<size_t>(rlaif_ppo_loss_workspace_bytes(d.B, d.T)) + 16);
    auto gp = [&](std::vector<float> &g) -> void * { return grads && !g.empty() ? g.data() : nullptr; };
    out.status = rlaif_ppo_loss(RLAIF_DTYPE_F32, d.logp.data(), d.old_logp.data(), d.adv.data(), d.mask.data(),
                                opt(d.ref), opt(d.values), opt(d.old_values), opt(d.returns), opt(d.entropy),
                                opt(d.isw), d.B, d.T, &o, gp(out.g_logp), gp(out.g_values), gp(out.g_entropy), out.stats, ws.data());
    return out;
}

bool same(double got, double want, double tol) {
    return (std::isnan(got) && std::isnan(want)) || std::fabs(got - want) <= tol;
}

void check_stats(const double *got, const PpoReference &want, const std::string &what) {
    const double *s = want.stats;
    struct {
        int idx;
        double tol;
        const char *name;
    } checks[] = {
        {RLAIF_PPO_STAT_POLICY_LOSS, 1e-5 * want.scale_pg, "policy loss"},
        {RLAIF_PPO_STAT_VALUE_LOSS, 1e-5 * want.scale_vf, "value loss"},
        {RLAIF_PPO_STAT_KL_LOSS, 1e-5 * want.scale_kl, "kl loss"},
        {RLAIF_PPO_STAT_ENTROPY, 1e-5 * want.scale_ent, "entropy"},
        {RLAIF_PPO_STAT_CLIPFRAC_LOW, 1e-12, "clipfrac low"},
        {RLAIF_PPO_STAT_CLIPFRAC_HIGH, 1e-12, "clipfrac high"},
        {RLAIF_PPO_STAT_DUAL_CLIPFRAC, 1e-12, "dual clipfrac"},
        {RLAIF_PPO_STAT_VALUE_CLIPFRAC, 1e-12, "value clipfrac"},
        {RLAIF_PPO_STAT_APPROX_KL, 1e-5 * (1 + std::fabs(s[RLAIF_PPO_STAT_APPROX_KL])), "approx kl"},
        {RLAIF_PPO_STAT_APPROX_KL_K3, 1e-5 * (1 + std::fabs(s[RLAIF_PPO_STAT_APPROX_KL_K3])), "approx kl k3"},
        {RLAIF_PPO_STAT_RATIO_MEAN, 1e-5 * (1 + std::fabs(s[RLAIF_PPO_STAT_RATIO_MEAN])), "ratio mean"},
        {RLAIF_PPO_STAT_RATIO_MIN, 1e-6 * std::fabs(s[RLAIF_PPO_STAT_RATIO_MIN]), "ratio min"},
        {RLAIF_PPO_STAT_RATIO_MAX, 1e-6 * std::fabs(s[RLAIF_PPO_STAT_RATIO_MAX]), "ratio max"},
        {RLAIF_PPO_STAT_VALID_TOKENS, 0, "valid tokens"},
        {RLAIF_PPO_STAT_VALID_ROWS, 0, "valid rows"},
        {RLAIF_PPO_STAT_NAN_TOKENS, 0, "nan tokens"},
    };
    for (auto &c : checks)
        rt::check(same(got[c.idx], s[c.idx], c.tol), what + ": " + c.name + " " + std::to_string(got[c.idx]) +
                                                         " vs " + std::to_string(s[c.idx]));
}

void check_loss(const double *got, const PpoReference &want, const rlaif_ppo_options &o, const std::string &what) {
    const double tol = 1e-5 * (want.scale_pg + o.vf_coef * want.scale_vf + o.kl_coef * want.scale_kl +
                                o.ent_coef * want.scale_ent);
    rt::check(same(got[RLAIF_PPO_STAT_LOSS], want.stats[RLAIF_PPO_STAT_LOSS], tol),
              what + ": loss " + std::to_string(got[RLAIF_PPO_STAT_LOSS]) + " vs " +
                  std::to_string(want.stats[RLAIF_PPO_STAT_LOSS]));
}

// |got - want| <= rtol * scale + atol per element (scale: per-element or |want|), 0 at masked positions.
void check_grad(const std::vector<float> &got, const std::vector<double> &want, const std::vector<double> *scale,
                const std::vector<uint8_t> &mask, double rtol, const std::string &what) {
    double worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        if (!mask[i]) {
            if (got[i] != 0.0f) {
                rt::check(false, what + ": masked position " + std::to_string(i) + " is not 0");
                return;
            }
            continue;
        }
        const double s = scale ? (*scale)[i] + std::fabs(want[i]) : std::fabs(want[i]);
        const double e = std::fabs(got[i] - want[i]) / (rtol * s + 1e-30);
        if (!(e <= worst)) worst = e, at = i;
    }
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s: worst scaled error %.3g at %zu (got %.9g want %.9g)", what.c_str(), worst, at,
                  want.empty() ? 0.0 : got[at], want.empty() ? 0.0 : want[at]);
    rt::check(worst <= 1.0, buf);
}

std::string describe(const rlaif_ppo_options &o, int64_t B, int64_t T, bool ref, bool values, bool ent) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "ppo B=%lld T=%lld agg=%d eps=%g/%g dual=%g vclip=%g%s kl=%s ent=%s",
                  static_cast<long long>(B), static_cast<long long>(T), o.aggregation, o.eps_low, o.eps_high,
                  o.dual_clip, o.value_clip, values ? "" : "(no values)",
                  ref ? std::to_string(o.kl_estimator).c_str() : "off", ent ? "on" : "off");
    return buf;
}

void run_case(int64_t B, int64_t T, rt::MaskKind mk, const rlaif_ppo_options &o, bool ref, bool values, bool ent,
              std::mt19937_64 &rng) {
    const PpoData d = make_ppo_data(B, T, mk, o, ref, values, ent, rng);
    const PpoReference want = ppo_reference(d, o);
    const Output got = run_f32(d, o);
    const std::string what = describe(o, B, T, ref, values, ent) + " " + rt::name(mk);
    rt::check(got.status == RLAIF_OK, what + ": status");
    check_loss(got.stats, want, o, what);
    check_stats(got.stats, want, what);
    check_grad(got.g_logp, want.g_logp, &want.scale_logp, d.mask, 1e-5, what + " grad_logp");
    if (values) check_grad(got.g_values, want.g_values, nullptr, d.mask, 1e-5, what + " grad_values");
    if (ent) check_grad(got.g_entropy, want.g_entropy, nullptr, d.mask, 1e-6, what + " grad_entropy");
}

void run_all_combinations(std::mt19937_64 &rng) {
    int cases = 0;
    for (int agg = 0; agg < 4; ++agg)
        for (int asym = 0; asym < 2; ++asym)
            for (double dual : {0.0, 3.0})
                for (int value = 0; value < 3; ++value)  // none, unclipped, clipped
                    for (int kl = -1; kl < 3; ++kl)      // off, k1, k2, k3
                        for (bool ent : {false, true}) {
                            rlaif_ppo_options o = base_options();
                            o.aggregation = agg;
                            o.eps_high = asym ? 0.28 : 0.2;
                            o.dual_clip = dual;
                            o.value_clip = value == 2 ? 0.2 : 0.0;
                            o.vf_coef = value > 0 ? 0.5 : 0.0;
                            o.kl_estimator = kl < 0 ? RLAIF_PPO_KL_K3 : kl;
                            o.kl_coef = kl < 0 ? 0.0 : 0.04;
                            o.ent_coef = ent ? 0.01 : 0.0;
                            o.norm_constant = 37.0;
                            const auto mk = cases % 2 ? rt::MaskKind::Holes : rt::MaskKind::RightPad;
                            run_case(5, 33, mk, o, kl >= 0, value > 0, ent, rng);
                            ++cases;
                        }
    std::printf("test_ppo_loss: %d option combinations checked\n", cases);
}

void run_shapes(std::mt19937_64 &rng) {
    rlaif_ppo_options o = base_options();
    o.value_clip = 0.2, o.vf_coef = 0.1, o.kl_coef = 0.05, o.ent_coef = 0.01, o.dual_clip = 3.0, o.eps_high = 0.28;
    const int64_t shapes[][2] = {{1, 1}, {3, 1}, {1, 5000}, {64, 1500}, {2, 20000}};
    for (auto &s : shapes)
        for (auto mk : {rt::MaskKind::AllTrue, rt::MaskKind::AllFalse, rt::MaskKind::LeftPad, rt::MaskKind::Holes})
            for (int agg = 0; agg < 4; ++agg) {
                o.aggregation = agg;
                run_case(s[0], s[1], mk, o, true, true, true, rng);
            }
}

// GSPO and CISPO, importance weights and the row divisor, against the float64 reference.
void run_mode_case(int64_t B, int64_t T, rt::MaskKind mk, const rlaif_ppo_options &o, bool ref, bool values,
                   bool isw, std::mt19937_64 &rng) {
    PpoData d = make_ppo_data(B, T, mk, o, ref, values, false, rng);
    if (o.policy_loss == RLAIF_PPO_POLICY_GSPO) gspo_avoid_kinks(d, o);
    if (isw) add_isw(d, rng);
    const PpoReference want = ppo_reference(d, o);
    const Output got = run_f32(d, o);
    char buf[96];
    std::snprintf(buf, sizeof buf, " policy=%d isw=%d row_norm=%g ", o.policy_loss, isw ? 1 : 0, o.row_norm);
    const std::string what = describe(o, B, T, ref, values, false) + buf + rt::name(mk);
    rt::check(got.status == RLAIF_OK, what + ": status");
    check_loss(got.stats, want, o, what);
    check_stats(got.stats, want, what);
    check_grad(got.g_logp, want.g_logp, &want.scale_logp, d.mask, 1e-5, what + " grad_logp");
    if (values) check_grad(got.g_values, want.g_values, nullptr, d.mask, 1e-5, what + " grad_values");
}

void run_policy_modes(std::mt19937_64 &rng) {
    int cases = 0;
    for (int policy : {RLAIF_PPO_POLICY_CLIP, RLAIF_PPO_POLICY_GSPO, RLAIF_PPO_POLICY_CISPO})
        for (int agg = 0; agg < 4; ++agg)
            for (double dual : {0.0, 3.0})
                for (bool isw : {false, true})
                    for (double row_norm : {0.0, 7.5})
                        for (int kl = -1; kl < 3; kl += 3) {  // off, k3
                            if (policy == RLAIF_PPO_POLICY_CISPO && dual != 0.0) continue;
                            if (policy == RLAIF_PPO_POLICY_CLIP && !isw && row_norm == 0.0) continue;  // covered above
                            rlaif_ppo_options o = base_options();
                            o.policy_loss = policy;
                            o.aggregation = agg;
                            o.eps_low = policy == RLAIF_PPO_POLICY_GSPO ? 0.003 : 0.2;
                            o.eps_high = policy == RLAIF_PPO_POLICY_GSPO ? 0.004 : 0.28;
                            o.dual_clip = dual;
                            o.row_norm = row_norm;
                            o.norm_constant = 37.0;
                            o.kl_estimator = RLAIF_PPO_KL_K3;
                            o.kl_coef = kl < 0 ? 0.0 : 0.04;
                            o.value_clip = 0.2, o.vf_coef = 0.5;
                            const auto mk = cases % 2 ? rt::MaskKind::Holes : rt::MaskKind::RightPad;
                            run_mode_case(5, 33, mk, o, kl >= 0, true, isw, rng);
                            ++cases;
                        }
    // GSPO's clip range around 1 with ratios of whole rows: also the usual 0.2 range, and edge shapes.
    const int64_t shapes[][2] = {{1, 1}, {3, 1}, {1, 5000}, {2, 20000}, {16, 700}};
    for (int policy : {RLAIF_PPO_POLICY_GSPO, RLAIF_PPO_POLICY_CISPO})
        for (auto &sh : shapes)
            for (auto mk : {rt::MaskKind::AllTrue, rt::MaskKind::AllFalse, rt::MaskKind::LeftPad, rt::MaskKind::Holes}) {
                rlaif_ppo_options o = base_options();
                o.policy_loss = policy;
                o.aggregation = RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_MEAN;
                o.kl_coef = 0.05;
                run_mode_case(sh[0], sh[1], mk, o, true, false, true, rng);
                ++cases;
            }
    std::printf("test_ppo_loss: %d policy-mode cases checked\n", cases);
}

// GSPO by hand: one row of two tokens, every token's gradient the row's.
void run_gspo_by_hand() {
    rlaif_ppo_options o = base_options();
    o.policy_loss = RLAIF_PPO_POLICY_GSPO;
    o.eps_low = 0.5, o.eps_high = 0.5;  // s inside the range: pg = -A s per token
    PpoData d;
    d.B = 1, d.T = 3, d.mask = {1, 1, 0};
    d.logp = {-1.0f, -2.0f, NAN}, d.old_logp = {-1.2f, -1.9f, NAN}, d.adv = {1.0f, -0.5f, NAN};
    const Output got = run_f32(d, o);
    const double s = std::exp(((-1.0 + 1.2) + (-2.0 + 1.9)) / 2);  // exp(mean logratio) = exp(0.05)
    // token mean: loss = (-1 * s + 0.5 * s) / 2; each token's gradient d loss / d s * s / 2
    // d loss / d s = (-1 + 0.5) / 2 and d s / d logp_t = s / 2 for both tokens
    const double want_loss = (-s + 0.5 * s) / 2, want_g = -0.25 * s / 2;
    rt::check(std::fabs(got.stats[RLAIF_PPO_STAT_POLICY_LOSS] - want_loss) < 1e-6, "gspo by hand: loss");
    rt::check(std::fabs(got.g_logp[0] - want_g) < 1e-6 && std::fabs(got.g_logp[1] - want_g) < 1e-6 &&
                  got.g_logp[2] == 0.0f,
              "gspo by hand: both tokens get the row's gradient " + std::to_string(got.g_logp[0]) + ", " +
                  std::to_string(got.g_logp[1]) + " vs " + std::to_string(want_g));
    rt::check(std::fabs(got.stats[RLAIF_PPO_STAT_RATIO_MEAN] - s) < 1e-6, "gspo by hand: the ratio is s");
}

// Exact kinks, where the subgradient convention decides: hand-computed values.
void run_kinks() {
    rlaif_ppo_options o = base_options();
    o.value_clip = 0.5, o.vf_coef = 1.0, o.kl_coef = 1.0;
    o.aggregation = RLAIF_PPO_AGG_TOKEN_SUM_NORM;  // weight 1 per token
    PpoData d;
    d.B = 1;
    d.T = 6;
    d.mask.assign(6, 1);
    // logratio exactly 20 (clamp passes the gradient) and 20.5 (clamped: none); A = -1 so the
    // unclipped term -A * r is the max. The reference logratio d = 0 gives no KL gradient (k3).
    d.logp = {0.0f, 0.0f, -1.0f, -1.0f, -1.0f, -1.0f};
    d.old_logp = {-20.0f, -20.5f, -1.0f, -1.0f, -1.0f, -1.0f};
    d.adv = {-1.0f, -1.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    // k3 at d exactly 20 (gradient -(e^20 - 1)) and 20.5 (none) in tokens 2 and 3.
    d.ref = {0.0f, 0.0f, 19.0f, 19.5f, -1.0f, -1.0f};
    // Token 4: value exactly at the clip edge (v - old = 0.5): clamp passes, the losses tie,
    // gradient (v - R). Token 5: out of range with |v - R| == |vc - R|: a tie of max(l1, l2),
    // so the gradient is split, 0.5 * (v - R) + 0.5 * 0.
    d.values = {0.0f, 0.0f, 0.0f, 0.0f, 1.5f, 2.0f};
    d.old_values = {0.0f, 0.0f, 0.0f, 0.0f, 1.0f, 1.0f};
    d.returns = {0.0f, 0.0f, 0.0f, 0.0f, 3.0f, 1.75f};
    const Output got = run_f32(d, o);
    const float e20 = std::exp(20.0f);
    rt::check(got.status == RLAIF_OK, "kinks: status");
    rt::check(std::fabs(got.g_logp[0] - e20) <= 1e-6 * e20, "kinks: logratio == 20 passes the gradient");
    rt::check(got.g_logp[1] == 0.0f, "kinks: logratio > 20 gets no gradient");
    rt::check(std::fabs(got.g_logp[2] + (e20 - 1.0f)) <= 1e-6 * e20, "kinks: k3 at d == 20 passes the gradient");
    rt::check(got.g_logp[3] == 0.0f, "kinks: k3 at d > 20 gets no gradient");
    rt::check(got.g_values[4] == -1.5f, "kinks: value at the clip edge: clamp inclusive, tie gives v - R");
    rt::check(got.g_values[5] == 0.125f, "kinks: tie of the value losses splits the gradient 0.5 / 0.5");
    rt::check(got.stats[RLAIF_PPO_STAT_VALUE_CLIPFRAC] == 0.0, "kinks: a tie is not counted as value-clipped");
}

void run_bf16(std::mt19937_64 &rng) {
    rlaif_ppo_options o = base_options();
    o.value_clip = 0.2, o.vf_coef = 0.5, o.kl_coef = 0.1, o.ent_coef = 0.01;
    o.aggregation = RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_MEAN;
    PpoData d = make_ppo_data(6, 300, rt::MaskKind::Holes, o, true, true, true, rng);
    const size_t n = d.logp.size();
    std::vector<std::vector<uint16_t>> h;
    for (auto *x : {&d.logp, &d.old_logp, &d.adv, &d.ref, &d.values, &d.old_values, &d.returns, &d.entropy}) {
        std::vector<uint16_t> b(n);
        for (size_t i = 0; i < n; ++i) {
            b[i] = rt::to_bf16((*x)[i]);
            (*x)[i] = rt::from_bf16(b[i]);  // the reference sees exactly the bf16 inputs
        }
        h.push_back(b);
    }
    // bf16 rounding moved tokens; drop those that landed near a kink.
    for (size_t i = 0; i < n; ++i)
        if (d.mask[i] && near_kink(o, d.logp[i], d.old_logp[i], d.adv[i], d.ref[i], d.values[i], d.old_values[i],
                                   d.returns[i]))
            d.mask[i] = 0;
    const PpoReference want = ppo_reference(d, o);
    std::vector<uint16_t> gl(n), gv(n), ge(n);
    std::vector<char> ws(static_cast<size_t>(rlaif_ppo_loss_workspace_bytes(d.B, d.T)));
    double stats[RLAIF_PPO_NUM_STATS];
    const int st = rlaif_ppo_loss(RLAIF_DTYPE_BF16, h[0].data(), h[1].data(), h[2].data(), d.mask.data(),
                                  h[3].data(), h[4].data(), h[5].data(), h[6].data(), h[7].data(), nullptr, d.B, d.T, &o,
                                  gl.data(), gv.data(), ge.data(), stats, ws.data());
    rt::check(st == RLAIF_OK, "bf16: status");
    // Float32 math inside: the loss and statistics are as accurate as with float32 inputs.
    check_loss(stats, want, o, "bf16");
    check_stats(stats, want, "bf16");
    // Gradients are rounded to bf16 on store (8-bit mantissa).
    auto widen = [](const std::vector<uint16_t> &x) {
        std::vector<float> f(x.size());
        for (size_t i = 0; i < x.size(); ++i) f[i] = rt::from_bf16(x[i]);
        return f;
    };
    check_grad(widen(gl), want.g_logp, &want.scale_logp, d.mask, 8e-3, "bf16 grad_logp");
    check_grad(widen(gv), want.g_values, nullptr, d.mask, 8e-3, "bf16 grad_values");
    check_grad(widen(ge), want.g_entropy, nullptr, d.mask, 8e-3, "bf16 grad_entropy");
}

void run_nan_and_modes(std::mt19937_64 &rng) {
    rlaif_ppo_options o = base_options();
    o.value_clip = 0.2, o.vf_coef = 0.5, o.kl_coef = 0.1;
    PpoData d = make_ppo_data(4, 50, rt::MaskKind::AllTrue, o, true, true, false, rng);
    // Loss-only mode gives the same statistics, bit for bit.
    const Output full = run_f32(d, o), lossOnly = run_f32(d, o, false);
    rt::check(lossOnly.status == RLAIF_OK, "loss-only: status");
    rt::check(std::memcmp(full.stats, lossOnly.stats, sizeof full.stats) == 0, "loss-only: same statistics");
    rt::check(lossOnly.g_logp[0] == -9.0f, "loss-only: gradients untouched");
    // NaN at valid positions: counted once per token, propagates into the loss.
    d.returns[7] = std::numeric_limits<float>::quiet_NaN();
    d.ref[7] = std::numeric_limits<float>::quiet_NaN();
    d.adv[160] = std::numeric_limits<float>::quiet_NaN();  // row 1 is empty: use row 3
    const Output bad = run_f32(d, o);
    rt::check(bad.stats[RLAIF_PPO_STAT_NAN_TOKENS] == 2.0,
              "nan: two tokens counted, got " + std::to_string(bad.stats[RLAIF_PPO_STAT_NAN_TOKENS]));
    rt::check(std::isnan(bad.stats[RLAIF_PPO_STAT_LOSS]), "nan: loss is NaN");
    rt::check(std::isnan(bad.g_values[7]) && !std::isnan(bad.g_values[8]), "nan: only that token's gradient is NaN");
    // A NaN logratio shows in the ratio statistics.
    d.logp[20] = std::numeric_limits<float>::quiet_NaN();
    const Output bad2 = run_f32(d, o);
    rt::check(std::isnan(bad2.stats[RLAIF_PPO_STAT_RATIO_MAX]) && std::isnan(bad2.stats[RLAIF_PPO_STAT_RATIO_MIN]),
              "nan: ratio min / max are NaN");
}

void run_determinism(std::mt19937_64 &rng) {
    rlaif_ppo_options o = base_options();
    o.value_clip = 0.2, o.vf_coef = 0.5, o.kl_coef = 0.1, o.ent_coef = 0.01;
    o.aggregation = RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_MEAN;
    const PpoData d = make_ppo_data(48, 3000, rt::MaskKind::Holes, o, true, true, true, rng);
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    const Output one = run_f32(d, o);
    omp_set_num_threads(std::max(2, threads));
    const Output many = run_f32(d, o);
    omp_set_num_threads(threads);
    rt::check(std::memcmp(one.stats, many.stats, sizeof one.stats) == 0, "determinism: stats independent of threads");
    rt::check(one.g_logp == many.g_logp && one.g_values == many.g_values, "determinism: gradients identical");
    rlaif_ppo_options g = o;
    g.policy_loss = RLAIF_PPO_POLICY_GSPO;
    omp_set_num_threads(1);
    const Output g1 = run_f32(d, g);
    omp_set_num_threads(std::max(2, threads));
    const Output g2 = run_f32(d, g);
    omp_set_num_threads(threads);
    rt::check(std::memcmp(g1.stats, g2.stats, sizeof g1.stats) == 0 && g1.g_logp == g2.g_logp,
              "determinism: GSPO independent of threads");
}

void run_errors() {
    PpoData d;
    d.B = 1, d.T = 1, d.logp = {0}, d.old_logp = {0}, d.adv = {1}, d.mask = {1};
    auto status = [&](const rlaif_ppo_options &o) { return run_f32(d, o).status; };
    rt::check(status(base_options()) == RLAIF_OK, "errors: the base options are valid");
    auto bad = [&](const char *what, void (*edit)(rlaif_ppo_options &)) {
        rlaif_ppo_options o = base_options();
        edit(o);
        rt::check(status(o) == RLAIF_ERR_INVALID_ARGUMENT, std::string("errors: ") + what + " rejected");
    };
    bad("eps_low 0", [](rlaif_ppo_options &o) { o.eps_low = 0; });
    bad("eps_low 1", [](rlaif_ppo_options &o) { o.eps_low = 1; });
    bad("eps_high 0", [](rlaif_ppo_options &o) { o.eps_high = 0; });
    bad("eps_high inf", [](rlaif_ppo_options &o) { o.eps_high = INFINITY; });
    bad("dual_clip 1", [](rlaif_ppo_options &o) { o.dual_clip = 1; });
    bad("value_clip < 0", [](rlaif_ppo_options &o) { o.value_clip = -0.1; });
    bad("vf_coef NaN", [](rlaif_ppo_options &o) { o.vf_coef = NAN; });
    bad("ent_coef < 0", [](rlaif_ppo_options &o) { o.ent_coef = -1; });
    bad("norm_constant 0", [](rlaif_ppo_options &o) { o.norm_constant = 0; });
    bad("aggregation 4", [](rlaif_ppo_options &o) { o.aggregation = 4; });
    bad("kl_estimator 3", [](rlaif_ppo_options &o) { o.kl_estimator = 3; });
    bad("policy_loss 3", [](rlaif_ppo_options &o) { o.policy_loss = 3; });
    bad("policy_loss -1", [](rlaif_ppo_options &o) { o.policy_loss = -1; });
    bad("CISPO with dual clip", [](rlaif_ppo_options &o) {
        o.policy_loss = RLAIF_PPO_POLICY_CISPO;
        o.dual_clip = 3;
    });
    bad("row_norm < 0", [](rlaif_ppo_options &o) { o.row_norm = -1; });
    bad("row_norm NaN", [](rlaif_ppo_options &o) { o.row_norm = NAN; });
    bad("vf_coef > 0 without values", [](rlaif_ppo_options &o) { o.vf_coef = 0.5; });
    bad("kl_coef > 0 without ref_logp", [](rlaif_ppo_options &o) { o.kl_coef = 0.5; });
    bad("ent_coef > 0 without entropy", [](rlaif_ppo_options &o) { o.ent_coef = 0.5; });
    const rlaif_ppo_options o = base_options();
    double stats[RLAIF_PPO_NUM_STATS];
    char ws[64];
    float x = 0, g = 0;
    uint8_t m = 1;
    rt::check(rlaif_ppo_loss(RLAIF_DTYPE_F32, &x, &x, &x, &m, nullptr, &x, nullptr, &x, nullptr, nullptr, 1, 1, &o, &g,
                             nullptr, nullptr, stats, ws) == RLAIF_ERR_INVALID_ARGUMENT,
              "errors: values without old_values rejected");
    rt::check(rlaif_ppo_loss(RLAIF_DTYPE_F32, &x, &x, &x, &m, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 1, 1, &o,
                             &g, &g, nullptr, stats, ws) == RLAIF_ERR_INVALID_ARGUMENT,
              "errors: grad_values without values rejected");
    rt::check(rlaif_ppo_loss(5, &x, &x, &x, &m, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 1, 1, &o, &g, nullptr,
                             nullptr, stats, ws) == RLAIF_ERR_INVALID_ARGUMENT,
              "errors: unknown dtype rejected");
    rt::check(rlaif_ppo_loss(RLAIF_DTYPE_F32, &x, &x, &x, &m, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 1, 1, &o,
                             &g, nullptr, nullptr, nullptr, ws) == RLAIF_ERR_INVALID_ARGUMENT,
              "errors: null stats rejected");
    rt::check(rlaif_ppo_loss_workspace_bytes(-1, 3) == RLAIF_ERR_INVALID_ARGUMENT, "errors: negative B rejected");
    // An empty batch is fine: every term 0, the token means NaN.
    rt::check(rlaif_ppo_loss(RLAIF_DTYPE_F32, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                             nullptr, nullptr, 0, 7, &o, nullptr, nullptr, nullptr, stats, nullptr) == RLAIF_OK &&
                  stats[RLAIF_PPO_STAT_LOSS] == 0.0 && stats[RLAIF_PPO_STAT_VALID_TOKENS] == 0.0 &&
                  std::isnan(stats[RLAIF_PPO_STAT_RATIO_MEAN]),
              "errors: empty batch gives loss 0, count 0, NaN means");
}

}  // namespace

int main() {
    std::mt19937_64 rng(20261127);
    run_all_combinations(rng);
    run_shapes(rng);
    run_kinks();
    run_bf16(rng);
    run_nan_and_modes(rng);
    run_policy_modes(rng);
    run_gspo_by_hand();
    run_determinism(rng);
    run_errors();
    return rt::finish("test_ppo_loss");
}
