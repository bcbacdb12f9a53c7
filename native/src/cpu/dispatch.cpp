// Exported C entry points of the CPU kernels: each forwards to the x86-64-v3
// build when the CPU has AVX2 and FMA, else to the baseline build.
// RLAIF_CPU_ISA=base in the environment forces the baseline (tests run both).
#include <cstdlib>
#include <cstring>

#define RLAIF_CPU_ISA dispatch
#include "isa.h"
#include "rlaif/common.h"
#include "rlaif/gae.h"
#include "rlaif/logprobs.h"
#include "rlaif/ppo_loss.h"
#include "rlaif/whiten.h"

namespace {

bool detect_v3() {
    const char *forced = std::getenv("RLAIF_CPU_ISA");
    if (forced != nullptr && std::strcmp(forced, "base") == 0) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// Decided once, on first use; constant afterwards.
bool use_v3() {
    static const bool v3 = detect_v3();
    return v3;
}

}  // namespace

extern "C" const char *rlaif_cpu_isa(void) { return use_v3() ? "x86-64-v3" : "x86-64"; }

extern "C" int rlaif_gae(int dtype, const void *rewards, const void *values, const uint8_t *mask,
                         const void *bootstrap, int64_t B, int64_t T, float gamma, float lambda,
                         void *advantages, void *returns, int32_t *nan_flag) {
    return (use_v3() ? rlaif::cpu::v3::gae : rlaif::cpu::base::gae)(dtype, rewards, values, mask, bootstrap, B, T,
                                                                    gamma, lambda, advantages, returns, nan_flag);
}

extern "C" int rlaif_masked_stats(int dtype, const void *x, const uint8_t *mask, int64_t n, double *stats) {
    return (use_v3() ? rlaif::cpu::v3::masked_stats : rlaif::cpu::base::masked_stats)(dtype, x, mask, n, stats);
}

extern "C" int rlaif_whiten(int dtype, const void *x, const uint8_t *mask, int64_t n, int shift_mean, double eps,
                            void *out, double *stats) {
    return (use_v3() ? rlaif::cpu::v3::whiten : rlaif::cpu::base::whiten)(dtype, x, mask, n, shift_mean, eps, out,
                                                                          stats);
}

extern "C" int rlaif_logprobs_forward(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,
                                      const uint8_t *mask, float temperature, int64_t ignore_index, float *logp,
                                      float *entropy, float *lse, int64_t top_k, float *top_values,
                                      int64_t *top_indices) {
    return (use_v3() ? rlaif::cpu::v3::logprobs_forward : rlaif::cpu::base::logprobs_forward)(
        dtype, logits, N, V, targets, mask, temperature, ignore_index, logp, entropy, lse, top_k, top_values,
        top_indices);
}

extern "C" int rlaif_logprobs_backward(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,
                                       const uint8_t *mask, float temperature, int64_t ignore_index, const float *lse,
                                       const float *entropy, const float *grad_logp, const float *grad_entropy,
                                       void *grad_logits) {
    return (use_v3() ? rlaif::cpu::v3::logprobs_backward : rlaif::cpu::base::logprobs_backward)(
        dtype, logits, N, V, targets, mask, temperature, ignore_index, lse, entropy, grad_logp, grad_entropy,
        grad_logits);
}

extern "C" int64_t rlaif_ppo_loss_workspace_bytes(int64_t B, int64_t T) {
    return rlaif::cpu::base::ppo_loss_workspace_bytes(B, T);  // the same layout in both builds
}

extern "C" int rlaif_ppo_loss(int dtype, const void *logp, const void *old_logp, const void *advantages,
                              const uint8_t *mask, const void *ref_logp, const void *values, const void *old_values,
                              const void *returns, const void *entropy, int64_t B, int64_t T,
                              const rlaif_ppo_options *options, void *grad_logp, void *grad_values,
                              void *grad_entropy, double *stats, void *workspace) {
    return (use_v3() ? rlaif::cpu::v3::ppo_loss : rlaif::cpu::base::ppo_loss)(
        dtype, logp, old_logp, advantages, mask, ref_logp, values, old_values, returns, entropy, B, T, options,
        grad_logp, grad_values, grad_entropy, stats, workspace);
}
