// Exported C entry points of the CPU kernels: each forwards to the x86-64-v4
// build when the CPU (and OS) support AVX-512 F/BW/DQ/VL, else to the
// x86-64-v3 build when the CPU has AVX2 and FMA, else to the baseline build.
// RLAIF_CPU_ISA=base or =v3 in the environment caps the choice (tests run all
// three); it never selects a build the CPU cannot run.
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

enum class Isa { base, v3, v4 };

Isa detect() {
    __builtin_cpu_init();
    // libgcc reports AVX-512 features only when the OS saves the ZMM and mask state.
    const bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    Isa best = v4 ? Isa::v4 : v3 ? Isa::v3 : Isa::base;
    const char *cap = std::getenv("RLAIF_CPU_ISA");
    if (cap != nullptr && std::strcmp(cap, "base") == 0) return Isa::base;
    if (cap != nullptr && std::strcmp(cap, "v3") == 0 && best == Isa::v4) return Isa::v3;
    return best;
}

// Decided once, on first use; constant afterwards.
Isa isa() {
    static const Isa chosen = detect();
    return chosen;
}

// The build of kernel `fn` for the chosen instruction set.
#define RLAIF_PICK(fn) \
    (isa() == Isa::v4 ? rlaif::cpu::v4::fn : isa() == Isa::v3 ? rlaif::cpu::v3::fn : rlaif::cpu::base::fn)

}  // namespace

extern "C" const char *rlaif_cpu_isa(void) {
    return isa() == Isa::v4 ? "x86-64-v4" : isa() == Isa::v3 ? "x86-64-v3" : "x86-64";
}

extern "C" int rlaif_gae(int dtype, const void *rewards, const void *values, const uint8_t *mask,
                         const void *bootstrap, int64_t B, int64_t T, float gamma, float lambda,
                         void *advantages, void *returns, int32_t *nan_flag) {
    return RLAIF_PICK(gae)(dtype, rewards, values, mask, bootstrap, B, T, gamma, lambda, advantages, returns,
                           nan_flag);
}

extern "C" int rlaif_masked_stats(int dtype, const void *x, const uint8_t *mask, int64_t n, double *stats) {
    return RLAIF_PICK(masked_stats)(dtype, x, mask, n, stats);
}

extern "C" int rlaif_whiten(int dtype, const void *x, const uint8_t *mask, int64_t n, int shift_mean, double eps,
                            void *out, double *stats) {
    return RLAIF_PICK(whiten)(dtype, x, mask, n, shift_mean, eps, out, stats);
}

extern "C" int rlaif_logprobs_forward(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,
                                      const uint8_t *mask, float temperature, int64_t ignore_index, float *logp,
                                      float *entropy, float *lse, int64_t top_k, float *top_values,
                                      int64_t *top_indices) {
    return RLAIF_PICK(logprobs_forward)(
        dtype, logits, N, V, targets, mask, temperature, ignore_index, logp, entropy, lse, top_k, top_values,
        top_indices);
}

extern "C" int rlaif_logprobs_backward(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,
                                       const uint8_t *mask, float temperature, int64_t ignore_index, const float *lse,
                                       const float *entropy, const float *grad_logp, const float *grad_entropy,
                                       void *grad_logits) {
    return RLAIF_PICK(logprobs_backward)(
        dtype, logits, N, V, targets, mask, temperature, ignore_index, lse, entropy, grad_logp, grad_entropy,
        grad_logits);
}

extern "C" int64_t rlaif_ppo_loss_workspace_bytes(int64_t B, int64_t T) {
    return rlaif::cpu::base::ppo_loss_workspace_bytes(B, T);  // the same layout in both builds
}

extern "C" int rlaif_ppo_loss(int dtype, const void *logp, const void *old_logp, const void *advantages,
                              const uint8_t *mask, const void *ref_logp, const void *values, const void *old_values,
                              const void *returns, const void *entropy, const void *is_weights, int64_t B, int64_t T,
                              const rlaif_ppo_options *options, void *grad_logp, void *grad_values,
                              void *grad_entropy, double *stats, void *workspace) {
    return RLAIF_PICK(ppo_loss)(
        dtype, logp, old_logp, advantages, mask, ref_logp, values, old_values, returns, entropy, is_weights, B, T,
        options,
        grad_logp, grad_values, grad_entropy, stats, workspace);
}
