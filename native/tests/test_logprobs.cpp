// Log-prob kernel against a float64 reference: shapes, masks, ignore index,
// temperature, large and -inf logits, top-k with ties, bfloat16, gradients.
#include <algorithm>
#include <limits>

#include "rlaif/logprobs.h"
#include "test_util.h"

namespace {

constexpr int64_t kIgnore = -100;

struct Ref {
    std::vector<double> logp, entropy, lse;
};

bool valid_row(const std::vector<int64_t> &tg, const std::vector<uint8_t> &m, int64_t n) {
    return (m.empty() || m[n]) && tg[n] != kIgnore;
}

Ref reference(const std::vector<float> &x, int64_t N, int64_t V, const std::vector<int64_t> &tg,
              const std::vector<uint8_t> &m, double temp) {
    Ref r{std::vector<double>(N), std::vector<double>(N), std::vector<double>(N)};
    for (int64_t n = 0; n < N; ++n) {
        if (!valid_row(tg, m, n)) continue;
        double mx = -INFINITY;
        for (int64_t j = 0; j < V; ++j) mx = std::max(mx, x[n * V + j] / temp);
        double s = 0;
        for (int64_t j = 0; j < V; ++j) s += std::exp(x[n * V + j] / temp - mx);
        const double lse = mx + std::log(s);
        double h = 0;
        for (int64_t j = 0; j < V; ++j) {
            const double lp = x[n * V + j] / temp - lse;
            if (std::isfinite(lp)) h -= std::exp(lp) * lp;
        }
        r.logp[n] = x[n * V + tg[n]] / temp - lse;
        r.entropy[n] = h;
        r.lse[n] = lse;
    }
    return r;
}

std::vector<double> reference_grad(const std::vector<float> &x, int64_t N, int64_t V, const std::vector<int64_t> &tg,
                                   const std::vector<uint8_t> &m, double temp, const Ref &r,
                                   const std::vector<float> &g, const std::vector<float> &h) {
    std::vector<double> out(static_cast<size_t>(N * V), 0.0);
    for (int64_t n = 0; n < N; ++n) {
        if (!valid_row(tg, m, n)) continue;
        for (int64_t j = 0; j < V; ++j) {
            const double lp = x[n * V + j] / temp - r.lse[n];
            const double p = std::exp(lp);
            const double ent = p > 0 ? -p * (lp + r.entropy[n]) : 0.0;
            out[n * V + j] = (g[n] * ((j == tg[n]) - p) + h[n] * ent) / temp;
        }
    }
    return out;
}

void run_case(int64_t N, int64_t V, double temp, bool with_mask, double scale, std::mt19937_64 &rng) {
    auto x = rt::normal(static_cast<size_t>(N * V), 0.0, scale, rng);
    std::uniform_int_distribution<int64_t> tok(0, V - 1);
    std::vector<int64_t> tg(N);
    for (auto &t : tg) t = tok(rng);
    std::vector<uint8_t> m;
    if (with_mask) {
        m = rt::make_mask(rt::MaskKind::Holes, 1, N, rng);
        if (N > 2) tg[1] = kIgnore;
    }
    if (V > 3) x[0 * V + 2] = -std::numeric_limits<float>::infinity();  // a masked-out vocabulary entry
    if (tg[0] == 2) tg[0] = 0;
    const Ref ref = reference(x, N, V, tg, m, temp);
    std::vector<float> lp(N, 9), ent(N, 9), lse(N, 9);
    const std::string what = "logprobs N=" + std::to_string(N) + " V=" + std::to_string(V) + " temp=" +
                             std::to_string(temp) + " scale=" + std::to_string(scale) + (with_mask ? " masked" : "");
    const int st = rlaif_logprobs_forward(RLAIF_DTYPE_F32, x.data(), N, V, tg.data(), with_mask ? m.data() : nullptr,
                                          static_cast<float>(temp), kIgnore, lp.data(), ent.data(), lse.data(), 0,
                                          nullptr, nullptr);
    rt::check(st == RLAIF_OK, what + ": status");
    std::vector<uint8_t> rows(N);
    for (int64_t n = 0; n < N; ++n) rows[n] = valid_row(tg, m, n);
    // float32 logits of size `scale`: the log-sum-exp is good to a few ulps of its magnitude.
    const double atol = 2e-6 * (1 + scale / temp);
    rt::check_close(lp, ref.logp, &rows, atol, 1e-5, what + " logp");
    rt::check_close(ent, ref.entropy, &rows, atol, 1e-5, what + " entropy");
    rt::check_close(lse, ref.lse, &rows, atol, 1e-6, what + " lse");

    auto g = rt::normal(N, 0, 1, rng), h = rt::normal(N, 0, 1, rng);
    std::vector<float> grad(static_cast<size_t>(N * V), 5.0f);
    rt::check(rlaif_logprobs_backward(RLAIF_DTYPE_F32, x.data(), N, V, tg.data(), with_mask ? m.data() : nullptr,
                                      static_cast<float>(temp), kIgnore, lse.data(), ent.data(), g.data(), h.data(),
                                      grad.data()) == RLAIF_OK,
              what + ": backward status");
    rt::check_close(grad, reference_grad(x, N, V, tg, m, temp, ref, g, h), nullptr, 1e-6 * (1 + scale), 1e-4,
                    what + " grad");
}

void run_topk(std::mt19937_64 &rng) {
    const int64_t N = 3, V = 1500, K = 5;
    auto x = rt::normal(N * V, 0, 1, rng);
    x[0 * V + 700] = 10.0f;
    x[0 * V + 100] = 9.0f;
    x[0 * V + 1400] = 9.0f;  // tie with 100: the lower index comes first
    std::vector<int64_t> tg = {1, 2, 3};
    std::vector<float> lp(N), lse(N), tv(N * K);
    std::vector<int64_t> ti(N * K);
    rt::check(rlaif_logprobs_forward(RLAIF_DTYPE_F32, x.data(), N, V, tg.data(), nullptr, 1.0f, kIgnore, lp.data(),
                                     nullptr, lse.data(), K, tv.data(), ti.data()) == RLAIF_OK,
              "topk status");
    rt::check(ti[0] == 700 && ti[1] == 100 && ti[2] == 1400, "topk order and tie rule");
    for (int64_t n = 0; n < N; ++n) {
        std::vector<int64_t> idx(V);
        for (int64_t j = 0; j < V; ++j) idx[j] = j;
        std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return x[n * V + a] > x[n * V + b]; });
        for (int64_t i = 0; i < K; ++i) {
            rt::check(ti[n * K + i] == idx[i], "topk index row " + std::to_string(n) + " rank " + std::to_string(i));
            rt::check(std::fabs(tv[n * K + i] - (x[n * V + idx[i]] - lse[n])) < 1e-5,
                      "topk value row " + std::to_string(n));
        }
    }
}

void run_bf16(std::mt19937_64 &rng) {
    const int64_t N = 4, V = 1000;
    auto x = rt::normal(N * V, 0, 3, rng);
    std::vector<uint16_t> xb(N * V);
    for (size_t i = 0; i < x.size(); ++i) {
        xb[i] = rt::to_bf16(x[i]);
        x[i] = rt::from_bf16(xb[i]);
    }
    std::vector<int64_t> tg = {5, 999, 0, 500};
    std::vector<uint8_t> none;
    const Ref ref = reference(x, N, V, tg, none, 1.0);
    std::vector<float> lp(N), lse(N);
    rlaif_logprobs_forward(RLAIF_DTYPE_BF16, xb.data(), N, V, tg.data(), nullptr, 1.0f, kIgnore, lp.data(), nullptr,
                           lse.data(), 0, nullptr, nullptr);
    rt::check_close(lp, ref.logp, nullptr, 1e-5, 1e-5, "bf16 logp (float32 math on bf16 inputs)");
}

void run_errors() {
    std::vector<float> x(6, 0.0f);
    std::vector<int64_t> tg = {0, 3};
    std::vector<float> lp(2);
    rt::check(rlaif_logprobs_forward(RLAIF_DTYPE_F32, x.data(), 2, 3, tg.data(), nullptr, 1.0f, kIgnore, lp.data(),
                                     nullptr, nullptr, 0, nullptr, nullptr) == RLAIF_ERR_INVALID_ARGUMENT,
              "target >= V rejected");
    tg[1] = kIgnore;
    rt::check(rlaif_logprobs_forward(RLAIF_DTYPE_F32, x.data(), 2, 3, tg.data(), nullptr, 1.0f, kIgnore, lp.data(),
                                     nullptr, nullptr, 0, nullptr, nullptr) == RLAIF_OK && lp[1] == 0.0f,
              "ignore index row skipped");
    rt::check(std::fabs(lp[0] + std::log(3.0f)) < 1e-6f, "uniform logits give -log V");
    rt::check(rlaif_logprobs_forward(RLAIF_DTYPE_F32, x.data(), 2, 3, tg.data(), nullptr, 0.0f, kIgnore, lp.data(),
                                     nullptr, nullptr, 0, nullptr, nullptr) == RLAIF_ERR_INVALID_ARGUMENT,
              "temperature 0 rejected");
}

}  // namespace

int main() {
    std::mt19937_64 rng(314);
    const int64_t shapes[][2] = {{1, 1}, {1, 7}, {5, 513}, {16, 5000}, {3, 1025}};
    for (auto &s : shapes)
        for (double temp : {1.0, 0.7, 2.0})
            for (bool mask : {false, true}) run_case(s[0], s[1], temp, mask, 1.0, rng);
    run_case(6, 3000, 1.0, true, 30.0, rng);   // peaked distributions
    run_case(4, 2000, 1.0, false, 1000.0, rng);  // huge logits: no overflow, entropy without cancellation
    run_topk(rng);
    run_bf16(rng);
    run_errors();
    return rt::finish("test_logprobs");
}
