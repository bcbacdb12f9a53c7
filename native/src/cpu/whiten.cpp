// Masked mean / variance / whitening on the CPU. See include/rlaif/whiten.h.
//
// Statistics take one pass: sums of (x - K) and (x - K)^2 in float64 with K
// the first valid value, so the subtraction that yields the variance never
// cancels digits that matter even when |mean| >> std. Whitening takes a
// second pass that reads x again (usually from cache) and writes out.
#include "rlaif/whiten.h"

#include <cmath>
#include <algorithm>
#include <cstring>
#include <vector>
#include <limits>

#include "../common/dtype.h"
#include "isa.h"

namespace {

using rlaif::bf16;
using rlaif::load;
using rlaif::store;

constexpr int64_t kParallelMin = 1 << 15;

// v where the mask byte is nonzero, else +0.0, with a bitwise AND rather than a
// select so the loops vectorise; unlike v * mask it keeps NaN and inf at masked
// positions out of the sums.
inline double keep_if(uint8_t m, double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    bits &= -static_cast<uint64_t>(m != 0);
    std::memcpy(&v, &bits, sizeof v);
    return v;
}

struct Stats {
    double count, mean, var;
};

// Partial sums of one contiguous range. Four independent 4-lane accumulators
// (GCC vector types: AVX2 registers in the x86-64-v3 build, SSE pairs in the
// baseline) hide the add latency without reordering any lane's sum.
typedef double d4 __attribute__((vector_size(32)));
typedef float f4 __attribute__((vector_size(16)));
typedef int64_t i4 __attribute__((vector_size(32)));
constexpr int kGroups = 4;

struct Partial {
    double s = 0.0, ss = 0.0, c = 0.0;
};

template <typename E>
inline f4 load4(const E *x) {
    return f4{load(x[0]), load(x[1]), load(x[2]), load(x[3])};
}

template <typename E>
Partial partial_sums(const E *x, const uint8_t *mask, int64_t begin, int64_t end, double shift) {
    d4 s[kGroups] = {}, ss[kGroups] = {}, c[kGroups] = {};
    const d4 shift4 = {shift, shift, shift, shift};
    const d4 one4 = {1.0, 1.0, 1.0, 1.0};
    int64_t i = begin;
    for (; i + 4 * kGroups <= end; i += 4 * kGroups) {
        for (int g = 0; g < kGroups; ++g) {
            const uint8_t *m = mask + i + 4 * g;
            const i4 keep = i4{m[0], m[1], m[2], m[3]} != 0;  // lanes of all ones or zeros
            const d4 d = (d4)((i4)(__builtin_convertvector(load4(x + i + 4 * g), d4) - shift4) & keep);
            s[g] += d;
            ss[g] += d * d;
            c[g] += (d4)((i4)one4 & keep);
        }
    }
    Partial p;
    for (; i < end; ++i) {
        const double d = keep_if(mask[i], static_cast<double>(load(x[i])) - shift);
        p.s += d;
        p.ss += d * d;
        p.c += keep_if(mask[i], 1.0);
    }
    for (int g = 0; g < kGroups; ++g) {
        for (int l = 0; l < 4; ++l) {
            p.s += s[g][l];
            p.ss += ss[g][l];
            p.c += c[g][l];
        }
    }
    return p;
}

template <typename E>
Stats stats_typed(const E *x, const uint8_t *mask, int64_t n) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    int64_t first = 0;
    while (first < n && mask[first] == 0) ++first;
    if (first == n) return {0.0, nan, nan};
    const double shift = load(x[first]);
    // Fixed chunks merged in chunk order: the result does not depend on the thread count.
    constexpr int64_t kChunk = 1 << 16;
    const int64_t chunks = (n - first + kChunk - 1) / kChunk;
    std::vector<Partial> parts(static_cast<size_t>(chunks));
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int64_t k = 0; k < chunks; ++k) {
        const int64_t b = first + k * kChunk;
        parts[static_cast<size_t>(k)] = partial_sums(x, mask, b, std::min(n, b + kChunk), shift);
    }
    Partial total;
    for (const Partial &p : parts) {
        total.s += p.s;
        total.ss += p.ss;
        total.c += p.c;
    }
    const double mean_shifted = total.s / total.c;
    double var = nan;
    if (total.c >= 2.0) {
        var = (total.ss - total.s * mean_shifted) / (total.c - 1.0);
        if (var < 0.0) var = 0.0;  // rounding can leave -tiny when all values are equal
    }
    if (std::isnan(total.s)) var = nan;
    return {total.c, shift + mean_shifted, var};
}

template <typename E>
void whiten_typed(const E *x, const uint8_t *mask, int64_t n, const Stats &st, bool shift_mean, double eps, E *out) {
    const double mean = st.count > 0 ? st.mean : 0.0;
    const double var = st.count >= 2 ? st.var : 0.0;
    // Float arithmetic (8 lanes with AVX2) with the mean split into hi + lo:
    // x - hi is exact when x is near the mean (Sterbenz) and otherwise off by
    // one rounding of a value at least |mean| / 2, so the output stays within
    // a few float ulps of the float64 result even when |mean| >> std.
    const float hi = static_cast<float>(mean);
    const float lo = static_cast<float>(mean - static_cast<double>(hi));
    const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
    const float add = shift_mean ? 0.0f : hi;
    const float add_lo = shift_mean ? 0.0f : lo;
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; ++i) {
        const float w = ((load(x[i]) - hi) - lo) * inv + add + add_lo;
        out[i] = store<E>(mask[i] != 0 ? w : 0.0f);
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

int rlaif::cpu::RLAIF_CPU_ISA::masked_stats(int dtype, const void *x, const uint8_t *mask, int64_t n, double *stats) {
    if (stats == nullptr) return RLAIF_ERR_INVALID_ARGUMENT;
    return dispatch(dtype, x, mask, n, false, false, 0.0, nullptr, stats);
}

int rlaif::cpu::RLAIF_CPU_ISA::whiten(int dtype, const void *x, const uint8_t *mask, int64_t n, int shift_mean,
                                      double eps, void *out, double *stats) {
    return dispatch(dtype, x, mask, n, true, shift_mean != 0, eps, out, stats);
}
