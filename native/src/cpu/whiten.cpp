// Masked mean / variance / whitening on the CPU. See include/rlaif/whiten.h.
//
// Statistics take one pass: sums of (x - K) and (x - K)^2 in float64 with K
// the first valid value, so the subtraction that yields the variance never
// cancels digits that matter even when |mean| >> std. Whitening takes a
// second pass that reads x again (usually from cache) and writes out.
#include "rlaif/whiten.h"

#include <cmath>
#include <limits>

#include "../common/dtype.h"

namespace {

using rlaif::bf16;
using rlaif::load;
using rlaif::store;

constexpr int64_t kParallelMin = 1 << 15;

struct Stats {
    double count, mean, var;
};

template <typename E>
Stats stats_typed(const E *x, const uint8_t *mask, int64_t n) {
    int64_t first = 0;
    while (first < n && mask[first] == 0) ++first;
    if (first == n) return {0.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
    const double shift = load(x[first]);
    double s = 0.0, ss = 0.0;
    int64_t c = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : s, ss, c) if (n >= kParallelMin)
    for (int64_t i = first; i < n; ++i) {
        const bool valid = mask[i] != 0;
        const double d = valid ? static_cast<double>(load(x[i])) - shift : 0.0;
        s += d;
        ss += d * d;
        c += valid ? 1 : 0;
    }
    const double count = static_cast<double>(c);
    const double mean_shifted = s / count;
    double var = std::numeric_limits<double>::quiet_NaN();
    if (c >= 2) {
        var = (ss - s * mean_shifted) / (count - 1.0);
        if (var < 0.0) var = 0.0;  // rounding can leave -tiny when all values are equal
    }
    if (std::isnan(s)) var = std::numeric_limits<double>::quiet_NaN();
    return {count, shift + mean_shifted, var};
}

template <typename E>
void whiten_typed(const E *x, const uint8_t *mask, int64_t n, const Stats &st, bool shift_mean, double eps, E *out) {
    const double mean = st.count > 0 ? st.mean : 0.0;
    const double var = st.count >= 2 ? st.var : 0.0;
    const double inv = 1.0 / std::sqrt(var + eps);
    const double add = shift_mean ? 0.0 : mean;
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; ++i) {
        const double w = (static_cast<double>(load(x[i])) - mean) * inv + add;
        out[i] = store<E>(mask[i] != 0 ? static_cast<float>(w) : 0.0f);
    }
}

template <typename E>
int run(const void *x, const uint8_t *mask, int64_t n, bool whiten, bool shift_mean, double eps, void *out,
        double *stats) {
    const Stats st = stats_typed(static_cast<const E *>(x), mask, n);
    if (whiten) whiten_typed(static_cast<const E *>(x), mask, n, st, shift_mean, eps, static_cast<E *>(out));
    if (stats != nullptr) {
        stats[0] = st.count;
        stats[1] = st.mean;
        stats[2] = st.var;
    }
    return RLAIF_OK;
}

int dispatch(int dtype, const void *x, const uint8_t *mask, int64_t n, bool whiten, bool shift_mean, double eps,
             void *out, double *stats) {
    if (n < 0 || !(eps >= 0.0)) return RLAIF_ERR_INVALID_ARGUMENT;
    if (n > 0 && (x == nullptr || mask == nullptr || (whiten && out == nullptr))) return RLAIF_ERR_INVALID_ARGUMENT;
    switch (dtype) {
        case RLAIF_DTYPE_F32: return run<float>(x, mask, n, whiten, shift_mean, eps, out, stats);
        case RLAIF_DTYPE_BF16: return run<bf16>(x, mask, n, whiten, shift_mean, eps, out, stats);
        default: return RLAIF_ERR_INVALID_ARGUMENT;
    }
}

}  // namespace

extern "C" int rlaif_masked_stats(int dtype, const void *x, const uint8_t *mask, int64_t n, double *stats) {
    if (stats == nullptr) return RLAIF_ERR_INVALID_ARGUMENT;
    return dispatch(dtype, x, mask, n, false, false, 0.0, nullptr, stats);
}

extern "C" int rlaif_whiten(int dtype, const void *x, const uint8_t *mask, int64_t n, int shift_mean, double eps,
                            void *out, double *stats) {
    return dispatch(dtype, x, mask, n, true, shift_mean != 0, eps, out, stats);
}
