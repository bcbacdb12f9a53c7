// Element load/store shared by the CPU and CUDA kernels: float32 as is,
// bfloat16 as the upper 16 bits of a float32, rounded to nearest even on store.
#ifndef RLAIF_SRC_DTYPE_H
#define RLAIF_SRC_DTYPE_H

#include <cstdint>
#include <cstring>

#ifdef __CUDACC__
#define RLAIF_HD __host__ __device__ __forceinline__
#else
#define RLAIF_HD inline
#endif

namespace rlaif {

struct bf16 {
    uint16_t bits;
};

RLAIF_HD float bits_to_float(uint32_t u) {
#ifdef __CUDA_ARCH__
    return __uint_as_float(u);
#else
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
#endif
}

RLAIF_HD uint32_t float_to_bits(float f) {
#ifdef __CUDA_ARCH__
    return __float_as_uint(f);
#else
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
#endif
}

RLAIF_HD float load(float x) { return x; }
RLAIF_HD float load(bf16 x) { return bits_to_float(static_cast<uint32_t>(x.bits) << 16); }

template <typename T> RLAIF_HD T store(float f);
template <> RLAIF_HD float store<float>(float f) { return f; }
template <> RLAIF_HD bf16 store<bf16>(float f) {
    uint32_t u = float_to_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return bf16{static_cast<uint16_t>((u >> 16) | 0x40u)};  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return bf16{static_cast<uint16_t>(u >> 16)};
}

}  // namespace rlaif

#endif
