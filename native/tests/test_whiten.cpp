// Masked statistics and whitening against float64 references: masks, sizes,
// a large mean over many elements, bfloat16, degenerate counts, NaN.
#include <limits>

#include "rlaif/whiten.h"
#include "test_util.h"
#include "whiten_reference.h"

namespace {

void check_stats(const double *got, const RefStats &want, double tol, const std::string &what) {
    rt::check(got[0] == want.count, what + ": count " + std::to_string(got[0]) + " vs " + std::to_string(want.count));
    auto same = [&](double g, double w) {
        return (std::isnan(g) && std::isnan(w)) || std::fabs(g - w) <= tol * (1.0 + std::fabs(w));
    };
    rt::check(same(got[1], want.mean), what + ": mean " + std::to_string(got[1]) + " vs " + std::to_string(want.mean));
    rt::check(same(got[2], want.var), what + ": var " + std::to_string(got[2]) + " vs " + std::to_string(want.var));
}

void run_case(int64_t B, int64_t T, rt::MaskKind mk, double mean, bool shift_mean, std::mt19937_64 &rng) {
    const size_t n = static_cast<size_t>(B * T);
    auto x = rt::normal(n, mean, 2.0, rng);
    auto m = rt::make_mask(mk, B, T, rng);
    for (size_t i = 0; i < n; ++i)
        if (!m[i]) x[i] = std::numeric_limits<float>::infinity();  // never read as data
    const std::string what = std::string("whiten ") + rt::name(mk) + " n=" + std::to_string(n) +
                             " mean=" + std::to_string(mean) + (shift_mean ? "" : " keep-mean");
    double st[3];
    rt::check(rlaif_masked_stats(RLAIF_DTYPE_F32, x.data(), m.data(), static_cast<int64_t>(n), st) == RLAIF_OK,
              what + ": stats status");
    check_stats(st, stats_reference(x, m), 1e-9, what);
    std::vector<float> out(n, -3.0f);
    double st2[3];
    rt::check(rlaif_whiten(RLAIF_DTYPE_F32, x.data(), m.data(), static_cast<int64_t>(n), shift_mean, 1e-8, out.data(),
                           st2) == RLAIF_OK, what + ": whiten status");
    check_stats(st2, stats_reference(x, m), 1e-9, what + " (from whiten)");
    rt::check_close(out, whiten_reference(x, m, shift_mean, 1e-8), &m, 1e-5, 1e-6, what);
}

void run_large_mean(std::mt19937_64 &rng) {
    // 2^24 + 3 elements around 1e5 with std 0.5: naive float32 sums lose the
    // variance entirely; float64 shifted sums must keep it to ~1e-9.
    const size_t n = (1u << 24) + 3;
    auto x = rt::normal(n, 1e5, 0.5, rng);
    std::vector<uint8_t> m(n, 1);
    for (size_t i = 0; i < n; i += 7) m[i] = 0;
    double st[3];
    rlaif_masked_stats(RLAIF_DTYPE_F32, x.data(), m.data(), static_cast<int64_t>(n), st);
    const RefStats want = stats_reference(x, m);
    check_stats(st, want, 1e-9, "large mean");
    rt::check(std::fabs(st[2] - want.var) <= 1e-7 * want.var, "large mean: variance to 1e-7 relative");
}

void run_degenerate() {
    std::vector<float> x = {3.0f, 5.0f, 7.0f};
    std::vector<uint8_t> none = {0, 0, 0}, one = {0, 1, 0};
    std::vector<float> out(3, -1.0f);
    double st[3];
    rlaif_whiten(RLAIF_DTYPE_F32, x.data(), none.data(), 3, 1, 1e-8, out.data(), st);
    rt::check(st[0] == 0 && std::isnan(st[1]) && std::isnan(st[2]), "no valid element: count 0, mean and var NaN");
    rt::check(out[0] == 0 && out[1] == 0 && out[2] == 0, "no valid element: output all zero");
    rlaif_whiten(RLAIF_DTYPE_F32, x.data(), one.data(), 3, 1, 1e-8, out.data(), st);
    rt::check(st[0] == 1 && st[1] == 5.0 && std::isnan(st[2]), "one valid element: mean 5, var NaN");
    rt::check(out[1] == 0.0f, "one valid element whitens to 0");
    rlaif_whiten(RLAIF_DTYPE_F32, x.data(), one.data(), 3, 0, 1e-8, out.data(), st);
    rt::check(out[1] == 5.0f, "one valid element with the mean kept whitens to itself");
    std::vector<float> same(1000, 4.25f);
    std::vector<uint8_t> all(1000, 1);
    rlaif_masked_stats(RLAIF_DTYPE_F32, same.data(), all.data(), 1000, st);
    rt::check(st[1] == 4.25 && st[2] == 0.0, "constant input: exact mean, zero variance");
    rt::check(rlaif_whiten(RLAIF_DTYPE_F32, x.data(), all.data(), 3, 1, -1.0, out.data(), st) ==
                  RLAIF_ERR_INVALID_ARGUMENT, "negative eps rejected");
    rt::check(rlaif_masked_stats(RLAIF_DTYPE_F32, x.data(), all.data(), 3, nullptr) == RLAIF_ERR_INVALID_ARGUMENT,
              "null stats rejected");
    // In place: out aliases x.
    std::vector<float> y = {1.0f, 2.0f, 3.0f};
    rlaif_whiten(RLAIF_DTYPE_F32, y.data(), all.data(), 3, 1, 0.0, y.data(), st);
    rt::check(std::fabs(y[0] + 1.0f) < 1e-6f && y[1] == 0.0f && std::fabs(y[2] - 1.0f) < 1e-6f, "in-place whitening");
}

void run_nan() {
    std::vector<float> x = {1.0f, std::numeric_limits<float>::quiet_NaN(), 3.0f};
    std::vector<uint8_t> m = {1, 1, 1};
    double st[3];
    rlaif_masked_stats(RLAIF_DTYPE_F32, x.data(), m.data(), 3, st);
    rt::check(std::isnan(st[1]) && std::isnan(st[2]) && st[0] == 3, "NaN at a valid position makes mean, var NaN");
    m[1] = 0;
    rlaif_masked_stats(RLAIF_DTYPE_F32, x.data(), m.data(), 3, st);
    rt::check(st[1] == 2.0 && st[2] == 2.0, "NaN at a masked position is ignored");
}

void run_bf16(std::mt19937_64 &rng) {
    const size_t n = 5000;
    auto x = rt::normal(n, 3.0, 1.5, rng);
    std::vector<uint8_t> m = rt::make_mask(rt::MaskKind::Holes, 1, static_cast<int64_t>(n), rng);
    std::vector<uint16_t> xb(n), ob(n);
    for (size_t i = 0; i < n; ++i) {
        xb[i] = rt::to_bf16(x[i]);
        x[i] = rt::from_bf16(xb[i]);
    }
    double st[3];
    rlaif_whiten(RLAIF_DTYPE_BF16, xb.data(), m.data(), static_cast<int64_t>(n), 1, 1e-8, ob.data(), st);
    check_stats(st, stats_reference(x, m), 1e-9, "bf16");
    std::vector<float> of(n);
    for (size_t i = 0; i < n; ++i) of[i] = rt::from_bf16(ob[i]);
    rt::check_close(of, whiten_reference(x, m, true, 1e-8), &m, 1e-2, 8e-3, "bf16 whiten");
}

}  // namespace

int main() {
    std::mt19937_64 rng(7);
    const int64_t shapes[][2] = {{1, 1}, {1, 2}, {1, 8192}, {64, 512}, {3, 100001}};
    for (auto &s : shapes)
        for (auto mk : {rt::MaskKind::AllTrue, rt::MaskKind::AllFalse, rt::MaskKind::Holes, rt::MaskKind::LeftPad})
            for (bool shift : {true, false}) run_case(s[0], s[1], mk, 0.7, shift, rng);
    run_case(16, 4096, rt::MaskKind::Holes, -2500.0, true, rng);
    run_large_mean(rng);
    run_degenerate();
    run_nan();
    run_bf16(rng);
    return rt::finish("test_whiten");
}
