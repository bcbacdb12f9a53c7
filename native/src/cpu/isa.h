// The CPU kernels are compiled three times: for baseline x86-64 (namespace
// base), for x86-64-v3 (AVX2 + FMA, namespace v3), which vectorises the
// float64 accumulations 4-wide, and for x86-64-v4 (AVX-512, namespace v4: 16
// float lanes, 32 vector registers, mask registers). dispatch.cpp picks one per
// process from the CPU's features; the exported C functions are defined there.
#ifndef RLAIF_CPU_ISA_H
#define RLAIF_CPU_ISA_H

#include <cstdint>

#include "rlaif/ppo_loss.h"

#ifndef RLAIF_CPU_ISA
#error "compile the CPU kernels with -DRLAIF_CPU_ISA=base, v3 or v4"
#endif

#define RLAIF_DECLARE_CPU_KERNELS(ns)                                                                          \
    namespace rlaif::cpu::ns {                                                                                 \
    int gae(int dtype, const void *rewards, const void *values, const uint8_t *mask, const void *bootstrap,  \
            int64_t B, int64_t T, float gamma, float lambda, void *advantages, void *returns,                \
            int32_t *nan_flag);                                                                                \
    int masked_stats(int dtype, const void *x, const uint8_t *mask, int64_t n, double *stats);               \
    int whiten(int dtype, const void *x, const uint8_t *mask, int64_t n, int shift_mean, double eps,         \
               void *out, double *stats);                                                                      \
    int logprobs_forward(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,        \
                         const uint8_t *mask, float temperature, int64_t ignore_index, float *logp,          \
                         float *entropy, float *lse, int64_t top_k, float *top_values, int64_t *top_indices);\
    int logprobs_backward(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,       \
                          const uint8_t *mask, float temperature, int64_t ignore_index, const float *lse,    \
                          const float *entropy, const float *grad_logp, const float *grad_entropy,           \
                          void *grad_logits);                                                                \
    int64_t ppo_loss_workspace_bytes(int64_t B, int64_t T);                                                    \
    int ppo_loss(int dtype, const void *logp, const void *old_logp, const void *advantages, const uint8_t *mask,\
                 const void *ref_logp, const void *values, const void *old_values, const void *returns,         \
                 const void *entropy, const void *is_weights, int64_t B, int64_t T,                              \
                 const rlaif_ppo_options *options, void *grad_logp,                                              \
                 void *grad_values, void *grad_entropy, double *stats, void *workspace);                         \
    }

RLAIF_DECLARE_CPU_KERNELS(base)
RLAIF_DECLARE_CPU_KERNELS(v3)
RLAIF_DECLARE_CPU_KERNELS(v4)

#endif
