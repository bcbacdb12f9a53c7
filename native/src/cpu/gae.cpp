// GAE over masked rows on the CPU. See include/rlaif/gae.h for the contract.
//
// The recursion is sequential along T: walked one position at a time, a row
// costs a multiply-add latency per position and the kernel is latency-bound
// (38% of copy bandwidth at 512x4096). So each row is cut into chunks of 8
// positions and each chunk is solved as a linear recurrence in vector lanes:
// with c_t = valid ? gamma*lambda : 1 and d_t = valid ? delta_t : 0, the
// state after position t is L_t = d_t + c_t * L_{t+1}; three log-steps of
// (d, c) <- (d + c * d_shifted, c * c_shifted) give every lane's L_t as
// D_t + C_t * L_in, one multiply-add on the chain per 8 positions. The value
// of the next valid position (delta_t needs it) comes from a log-step scan of
// selects in the same way. Rows go to OpenMP threads.
#include "rlaif/gae.h"

#include <cmath>
#include <cstring>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "../common/dtype.h"
#include "isa.h"

// The 32-byte vectors never cross a public ABI (everything here is internal), so
// GCC's note that the baseline build passes them differently does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace {

using rlaif::bf16;
using rlaif::load;
using rlaif::store;

// GCC vector extensions: AVX2 registers in the x86-64-v3 build, pairs of SSE
// registers in the baseline build, from the same source.
typedef float f8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));
typedef uint8_t u8x8 __attribute__((vector_size(8)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x8 __attribute__((vector_size(32)));
constexpr int kLanes = 8;

// Lane t takes lane t + S of x; lanes past the end take `fill`.
template <int S, typename V>
inline V from_right(V x, V fill) {
    return __builtin_shufflevector(x, fill, S, S + 1, S + 2, S + 3, S + 4, S + 5, S + 6, S + 7);
}

inline f8 load8(const float *p) {
    f8 x;
    std::memcpy(&x, p, sizeof x);
    return x;
}

inline f8 load8(const bf16 *p) {
    u16x8 h;
    std::memcpy(&h, p, sizeof h);
    u32x8 w = __builtin_convertvector(h, u32x8) << 16;
    f8 x;
    std::memcpy(&x, &w, sizeof x);
    return x;
}

inline void store8(float *p, f8 x) { std::memcpy(p, &x, sizeof x); }

inline void store8(bf16 *p, f8 x) {
    for (int j = 0; j < kLanes; ++j) p[j] = store<bf16>(x[j]);
}

// Lanes of the 8 mask bytes at p: all ones where nonzero.
inline i8 valid_lanes(const uint8_t *p) {
#ifdef __AVX2__
    const __m256i w = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(p)));
    i8 x;
    std::memcpy(&x, &w, sizeof x);
    return x != 0;
#else
    u8x8 b;
    std::memcpy(&b, p, sizeof b);
    return __builtin_convertvector(b, i8) != 0;
#endif
}

// Whether none / all of the 8 bytes at p are zero (exact zero-byte test on a word).
inline bool none_valid(uint64_t w) { return w == 0; }
inline bool all_valid(uint64_t w) {
    return ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) == 0;
}

// Per-row constants of the all-valid chunk: the recurrence with c_t = gl everywhere.
struct Powers {
    f8 g1, g2, g4, tail;  // gl, gl^2, gl^4 broadcast; tail[t] = gl^(8 - t)
    explicit Powers(float gl) {
        const f8 zero = {};
        g1 = zero + gl;
        g2 = g1 * g1;
        g4 = g2 * g2;
        float p = 1.0f;
        for (int t = kLanes - 1; t >= 0; --t) tail[t] = p *= gl;
    }
};

// One row. Masked positions may hold NaN: they only ever enter selects.
template <typename E>
bool gae_row(const E *rewards, const E *values, const uint8_t *mask, float boot, int64_t T, float gamma, float gl,
             const Powers &pw, E *adv, E *ret) {
    const f8 zero = {}, one = zero + 1.0f;
    const i8 none = {};
    float last = 0.0f;   // L: advantage after the positions walked so far
    float next_v = boot; // N: value of the next valid position
    bool any_valid = false;
    int64_t t = T;
    while (t >= kLanes) {
        t -= kLanes;
        uint64_t bits;
        std::memcpy(&bits, mask + t, sizeof bits);
        if (none_valid(bits)) {  // padding: outputs 0, state unchanged
            store8(adv + t, zero);
            store8(ret + t, zero);
            continue;
        }
        any_valid = true;
        const f8 r = load8(rewards + t), v = load8(values + t);
        if (all_valid(bits)) {  // the common chunk: constant coefficients
            const f8 nv = from_right<1>(v, zero + next_v);
            f8 d = r + gamma * nv - v;
            d = d + pw.g1 * from_right<1>(d, zero);
            d = d + pw.g2 * from_right<2>(d, zero);
            d = d + pw.g4 * from_right<4>(d, zero);
            const f8 l = d + pw.tail * last;
            store8(adv + t, l);
            store8(ret + t, l + v);
            last = l[0];
            next_v = v[0];
            continue;
        }
        const i8 valid = valid_lanes(mask + t);
        // Nearest valid value at or right of each lane.
        i8 has = valid;
        f8 val = valid ? v : zero;
        val = has ? val : from_right<1>(val, zero), has |= from_right<1>(has, none);
        val = has ? val : from_right<2>(val, zero), has |= from_right<2>(has, none);
        val = has ? val : from_right<4>(val, zero), has |= from_right<4>(has, none);
        const f8 nv = from_right<1>(has, none) != 0 ? from_right<1>(val, zero) : zero + next_v;
        const f8 delta = r + gamma * nv - v;
        f8 c = valid ? zero + gl : one;
        f8 d = valid ? delta : zero;
        d = d + c * from_right<1>(d, zero), c = c * from_right<1>(c, one);
        d = d + c * from_right<2>(d, zero), c = c * from_right<2>(c, one);
        d = d + c * from_right<4>(d, zero), c = c * from_right<4>(c, one);
        const f8 l = d + c * last;
        store8(adv + t, valid ? l : zero);
        store8(ret + t, valid ? l + v : zero);
        last = l[0];
        next_v = has[0] ? val[0] : next_v;
    }
    for (--t; t >= 0; --t) {  // the first T % 8 positions, one at a time
        const bool valid = mask[t] != 0;
        const float r = load(rewards[t]);
        const float v = load(values[t]);
        const float a = (r + gamma * next_v - v) + gl * last;
        last = valid ? a : last;
        next_v = valid ? v : next_v;
        any_valid = any_valid || valid;
        adv[t] = store<E>(valid ? a : 0.0f);
        ret[t] = store<E>(valid ? a + v : 0.0f);
    }
    // A NaN met at any valid step (or in the bootstrap) survives to the first
    // valid step: NaN times any factor, even 0, is NaN.
    return any_valid && std::isnan(last);
}

template <typename E>
bool gae_typed(const E *rewards, const E *values, const uint8_t *mask, const E *bootstrap, int64_t B,
               int64_t T, float gamma, float lambda, E *adv, E *ret) {
    const float gl = gamma * lambda;
    const Powers pw(gl);
    bool nan = false;
#pragma omp parallel for schedule(static) reduction(|| : nan) if (B * T >= 32768 && B > 1)
    for (int64_t b = 0; b < B; ++b) {
        const int64_t o = b * T;
        const float boot = bootstrap != nullptr ? load(bootstrap[b]) : 0.0f;
        nan = gae_row(rewards + o, values + o, mask + o, boot, T, gamma, gl, pw, adv + o, ret + o) || nan;
    }
    return nan;
}

}  // namespace

int rlaif::cpu::RLAIF_CPU_ISA::gae(int dtype, const void *rewards, const void *values, const uint8_t *mask,
                                   const void *bootstrap, int64_t B, int64_t T, float gamma, float lambda,
                                   void *advantages, void *returns, int32_t *nan_flag) {
    if (B < 0 || T < 0) return RLAIF_ERR_INVALID_ARGUMENT;
    if (!(gamma >= 0.0f && gamma <= 1.0f) || !(lambda >= 0.0f && lambda <= 1.0f)) return RLAIF_ERR_INVALID_ARGUMENT;
    if (nan_flag != nullptr) *nan_flag = 0;
    if (B == 0 || T == 0) return RLAIF_OK;
    if (!rewards || !values || !mask || !advantages || !returns) return RLAIF_ERR_INVALID_ARGUMENT;
    bool nan;
    switch (dtype) {
        case RLAIF_DTYPE_F32:
            nan = gae_typed(static_cast<const float *>(rewards), static_cast<const float *>(values), mask,
                            static_cast<const float *>(bootstrap), B, T, gamma, lambda,
                            static_cast<float *>(advantages), static_cast<float *>(returns));
            break;
        case RLAIF_DTYPE_BF16:
            nan = gae_typed(static_cast<const bf16 *>(rewards), static_cast<const bf16 *>(values), mask,
                            static_cast<const bf16 *>(bootstrap), B, T, gamma, lambda,
                            static_cast<bf16 *>(advantages), static_cast<bf16 *>(returns));
            break;
        default:
            return RLAIF_ERR_INVALID_ARGUMENT;
    }
    if (nan_flag != nullptr) *nan_flag = nan ? 1 : 0;
    return RLAIF_OK;
}
