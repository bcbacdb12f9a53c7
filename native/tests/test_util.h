// Tiny test helpers for the native suite: seeded data, float64 references'
// comparison and a failure counter (ctest only looks at the exit code).
#ifndef RLAIF_TEST_UTIL_H
#define RLAIF_TEST_UTIL_H

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace rt {

inline int &failures() {
    static int f = 0;
    return f;
}

inline void check(bool ok, const std::string &what) {
    if (!ok) {
        ++failures();
        std::fprintf(stderr, "FAIL: %s\n", what.c_str());
    }
}

// Max |a - b| / (atol + rtol |b|) over valid positions must stay <= 1.
inline void check_close(const std::vector<float> &got, const std::vector<double> &want, const std::vector<uint8_t> *mask,
                        double atol, double rtol, const std::string &what) {
    double worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        if (mask != nullptr && (*mask)[i] == 0) {
            if (got[i] != 0.0f) {
                check(false, what + ": masked position " + std::to_string(i) + " is not 0");
                return;
            }
            continue;
        }
        const double err = std::fabs(got[i] - want[i]) / (atol + rtol * std::fabs(want[i]));
        if (!(err <= worst)) {
            worst = err;
            at = i;
        }
    }
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s: worst scaled error %.3g at %zu (got %.9g want %.9g)", what.c_str(), worst, at,
                  want.empty() ? 0.0 : got[at], want.empty() ? 0.0 : want[at]);
    check(worst <= 1.0, buf);
}

enum class MaskKind { AllTrue, AllFalse, Holes, LeftPad, RightPad };

inline const char *name(MaskKind k) {
    switch (k) {
        case MaskKind::AllTrue: return "all-true";
        case MaskKind::AllFalse: return "all-false";
        case MaskKind::Holes: return "holes";
        case MaskKind::LeftPad: return "left-pad";
        default: return "right-pad";
    }
}

inline std::vector<uint8_t> make_mask(MaskKind kind, int64_t B, int64_t T, std::mt19937_64 &rng) {
    std::vector<uint8_t> m(static_cast<size_t>(B * T), 1);
    std::uniform_int_distribution<int64_t> len(0, T);
    std::bernoulli_distribution hole(0.3);
    for (int64_t b = 0; b < B; ++b) {
        const int64_t l = len(rng);
        for (int64_t t = 0; t < T; ++t) {
            uint8_t v = 1;
            switch (kind) {
                case MaskKind::AllTrue: v = 1; break;
                case MaskKind::AllFalse: v = 0; break;
                case MaskKind::Holes: v = hole(rng) ? 0 : 1; break;
                case MaskKind::LeftPad: v = t >= T - l ? 1 : 0; break;
                case MaskKind::RightPad: v = t < l ? 1 : 0; break;
            }
            m[static_cast<size_t>(b * T + t)] = v;
        }
    }
    return m;
}

inline std::vector<float> normal(size_t n, double mean, double std, std::mt19937_64 &rng) {
    std::normal_distribution<double> d(mean, std);
    std::vector<float> v(n);
    for (auto &x : v) x = static_cast<float>(d(rng));
    return v;
}

inline uint16_t to_bf16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<uint16_t>(u >> 16);
}

inline float from_bf16(uint16_t h) {
    uint32_t u = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

inline int finish(const char *suite) {
    if (failures() == 0) {
        std::printf("%s: all checks passed\n", suite);
        return 0;
    }
    std::printf("%s: %d check(s) failed\n", suite, failures());
    return 1;
}

}  // namespace rt

#endif
