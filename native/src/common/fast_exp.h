// expf as a polynomial that compilers vectorise (libm's expf does not
// vectorise without -ffast-math). Cody-Waite range reduction x = n ln2 + r,
// |r| <= ln2/2, then a degree-6 minimax polynomial (Cephes expf), then 2^n by
// exponent bits. Max error 1 ulp over the float range (checked against double exp); inputs
// below -87.3 give 0 (as expf underflows) and NaN stays NaN.
#ifndef RLAIF_FAST_EXP_H
#define RLAIF_FAST_EXP_H

#include <cstdint>
#include <cstring>

namespace rlaif {

inline float fast_exp(float x) {
    const float hi = 88.3762626647949f, lo = -87.3365447504019f;
    const bool underflow = x < lo;
    x = x > hi ? hi : (underflow ? lo : x);
    const float fx = x * 1.44269504088896341f + 0.5f;
#if defined(__SSE4_1__) || defined(__CUDA_ARCH__)
    const float n = __builtin_floorf(fx);  // one vector instruction (roundps); lets GCC vectorise callers
#else
    float n = static_cast<float>(static_cast<int32_t>(fx));
    n = n > fx ? n - 1.0f : n;  // floor
#endif
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    const float y = p * scale;
    return underflow ? 0.0f : y;
}

}  // namespace rlaif

#endif
