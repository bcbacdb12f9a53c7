// GAE CPU kernel against the float64 reference: shapes, masks, bootstrap,
// bfloat16, NaN reporting and argument errors.
#include <limits>

#include "gae_reference.h"
#include "rlaif/gae.h"
#include "test_util.h"

namespace {

void run_case(int64_t B, int64_t T, rt::MaskKind mk, bool with_boot, double gamma, double lambda,
              std::mt19937_64 &rng) {
    const size_t n = static_cast<size_t>(B * T);
    auto r = rt::normal(n, 0.0, 1.0, rng);
    auto v = rt::normal(n, 0.5, 1.0, rng);
    auto m = rt::make_mask(mk, B, T, rng);
    auto boot = rt::normal(static_cast<size_t>(B), 0.0, 1.0, rng);
    // Garbage at masked positions must not leak into any output; any nonzero byte is valid.
    for (size_t i = 0; i < n; ++i) {
        if (!m[i]) r[i] = v[i] = std::numeric_limits<float>::quiet_NaN();
        else if (i % 3 == 1) m[i] = i % 2 ? 0x80 : 0xff;
    }
    std::vector<double> ar, rr;
    gae_reference(r, v, m, with_boot ? &boot : nullptr, B, T, gamma, lambda, ar, rr);
    std::vector<float> adv(n, -7.0f), ret(n, -7.0f);
    int32_t nan = -1;
    const int st = rlaif_gae(RLAIF_DTYPE_F32, r.data(), v.data(), m.data(), with_boot ? boot.data() : nullptr, B, T,
                             static_cast<float>(gamma), static_cast<float>(lambda), adv.data(), ret.data(), &nan);
    const std::string what = "gae f32 B=" + std::to_string(B) + " T=" + std::to_string(T) + " " + rt::name(mk) +
                             (with_boot ? " boot" : "") + " gamma=" + std::to_string(gamma);
    rt::check(st == RLAIF_OK, what + ": status");
    rt::check(nan == 0, what + ": nan flag must be 0");
    // float32 accumulation over up to T steps with factor <= 1: error grows like T * eps * |A|.
    const double atol = 1e-5 * (1.0 + static_cast<double>(T) / 64.0), rtol = 1e-5;
    rt::check_close(adv, ar, &m, atol, rtol, what + " advantages");
    rt::check_close(ret, rr, &m, atol, rtol, what + " returns");
}

void run_bf16(std::mt19937_64 &rng) {
    const int64_t B = 7, T = 300;
    const size_t n = static_cast<size_t>(B * T);
    auto r = rt::normal(n, 0.0, 1.0, rng), v = rt::normal(n, 0.0, 1.0, rng);
    auto m = rt::make_mask(rt::MaskKind::Holes, B, T, rng);
    std::vector<uint16_t> rb(n), vb(n), ab(n), tb(n);
    for (size_t i = 0; i < n; ++i) {
        rb[i] = rt::to_bf16(r[i]);
        vb[i] = rt::to_bf16(v[i]);
        r[i] = rt::from_bf16(rb[i]);  // the reference sees exactly the bf16 inputs
        v[i] = rt::from_bf16(vb[i]);
    }
    std::vector<double> ar, rr;
    gae_reference(r, v, m, nullptr, B, T, 0.99, 0.95, ar, rr);
    int32_t nan = -1;
    rt::check(rlaif_gae(RLAIF_DTYPE_BF16, rb.data(), vb.data(), m.data(), nullptr, B, T, 0.99f, 0.95f, ab.data(),
                        tb.data(), &nan) == RLAIF_OK && nan == 0,
              "gae bf16 status");
    std::vector<float> af(n), tf(n);
    for (size_t i = 0; i < n; ++i) {
        af[i] = rt::from_bf16(ab[i]);
        tf[i] = rt::from_bf16(tb[i]);
    }
    // Only the final rounding to bf16 (8 bits of mantissa) differs: float32 accumulation inside.
    rt::check_close(af, ar, &m, 1e-2, 8e-3, "gae bf16 advantages");
    rt::check_close(tf, rr, &m, 1e-2, 8e-3, "gae bf16 returns");
}

void run_nan(std::mt19937_64 &rng) {
    const int64_t B = 9, T = 50;
    const size_t n = static_cast<size_t>(B * T);
    auto r = rt::normal(n, 0.0, 1.0, rng), v = rt::normal(n, 0.0, 1.0, rng);
    std::vector<uint8_t> m(n, 1);
    std::vector<float> adv(n), ret(n);
    for (float gamma : {0.0f, 1.0f}) {
        for (int which = 0; which < 2; ++which) {
            auto rr = r, vv = v;
            (which == 0 ? rr : vv)[5 * T + 31] = std::numeric_limits<float>::quiet_NaN();
            int32_t nan = 0;
            rlaif_gae(RLAIF_DTYPE_F32, rr.data(), vv.data(), m.data(), nullptr, B, T, gamma, 0.0f, adv.data(),
                      ret.data(), &nan);
            rt::check(nan == 1, std::string("NaN in ") + (which == 0 ? "rewards" : "values") +
                                    " at a valid position must set the flag, gamma=" + std::to_string(gamma));
        }
    }
    std::vector<float> boot(B, 0.0f);
    boot[3] = std::numeric_limits<float>::quiet_NaN();
    int32_t nan = 0;
    rlaif_gae(RLAIF_DTYPE_F32, r.data(), v.data(), m.data(), boot.data(), B, T, 0.9f, 0.9f, adv.data(), ret.data(), &nan);
    rt::check(nan == 1, "NaN bootstrap of a row with valid steps must set the flag");
}

void run_errors() {
    float x = 0.0f;
    uint8_t m = 1;
    rt::check(rlaif_gae(RLAIF_DTYPE_F32, &x, &x, &m, nullptr, 1, 1, 1.5f, 0.9f, &x, &x, nullptr) ==
                  RLAIF_ERR_INVALID_ARGUMENT, "gamma > 1 rejected");
    rt::check(rlaif_gae(RLAIF_DTYPE_F32, &x, &x, &m, nullptr, 1, 1, 0.9f, -0.1f, &x, &x, nullptr) ==
                  RLAIF_ERR_INVALID_ARGUMENT, "lambda < 0 rejected");
    rt::check(rlaif_gae(7, &x, &x, &m, nullptr, 1, 1, 0.9f, 0.9f, &x, &x, nullptr) == RLAIF_ERR_INVALID_ARGUMENT,
              "unknown dtype rejected");
    rt::check(rlaif_gae(RLAIF_DTYPE_F32, nullptr, &x, &m, nullptr, 1, 1, 0.9f, 0.9f, &x, &x, nullptr) ==
                  RLAIF_ERR_INVALID_ARGUMENT, "null rewards rejected");
    rt::check(rlaif_gae(RLAIF_DTYPE_F32, nullptr, nullptr, nullptr, nullptr, 0, 5, 0.9f, 0.9f, nullptr, nullptr,
                        nullptr) == RLAIF_OK, "empty batch is fine");
}

}  // namespace

int main() {
    std::mt19937_64 rng(20261126);
    const int64_t shapes[][2] = {{1, 1}, {1, 8192}, {3, 1}, {5, 17}, {64, 512}, {13, 1000}, {4, 40000}};
    for (auto &s : shapes)
        for (auto mk : {rt::MaskKind::AllTrue, rt::MaskKind::AllFalse, rt::MaskKind::Holes, rt::MaskKind::LeftPad,
                        rt::MaskKind::RightPad})
            for (bool boot : {false, true}) run_case(s[0], s[1], mk, boot, 0.99, 0.95, rng);
    run_case(33, 65, rt::MaskKind::Holes, true, 1.0, 1.0, rng);
    run_case(33, 65, rt::MaskKind::Holes, true, 0.0, 0.5, rng);
    run_case(33, 65, rt::MaskKind::LeftPad, false, 0.5, 0.0, rng);
    run_bf16(rng);
    run_nan(rng);
    run_errors();
    return rt::finish("test_gae");
}
