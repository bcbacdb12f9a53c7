// Argument rules of the log-prob kernels (include/rlaif/logprobs.h), shared by
// the CPU and CUDA entry points so both accept and reject exactly the same calls.
#ifndef RLAIF_SRC_LOGPROBS_ARGS_H
#define RLAIF_SRC_LOGPROBS_ARGS_H

#include <cmath>
#include <cstdint>

#include "dtype.h"
#include "rlaif/common.h"

namespace rlaif {

// A row is scored unless its mask byte is 0 or its target is the ignore index.
RLAIF_HD bool logprobs_row_valid(const int64_t *targets, const uint8_t *mask, int64_t n, int64_t ignore_index) {
    return (mask == nullptr || mask[n] != 0) && targets[n] != ignore_index;
}

inline bool logprobs_common_ok(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,
                               float temperature) {
    if (N < 0 || V < 1 || !(temperature > 0.0f) || std::isinf(temperature)) return false;
    if (dtype != RLAIF_DTYPE_F32 && dtype != RLAIF_DTYPE_BF16) return false;
    return N == 0 || (logits != nullptr && targets != nullptr);
}

inline bool logprobs_forward_args_ok(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,
                                     float temperature, const float *logp, int64_t top_k, const float *top_values,
                                     const int64_t *top_indices) {
    if (!logprobs_common_ok(dtype, logits, N, V, targets, temperature) || (N > 0 && logp == nullptr)) return false;
    return top_k >= 0 && top_k <= V && (top_k == 0 || N == 0 || (top_values != nullptr && top_indices != nullptr));
}

inline bool logprobs_backward_args_ok(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,
                                      float temperature, const float *lse, const float *entropy,
                                      const float *grad_entropy, const void *grad_logits) {
    if (!logprobs_common_ok(dtype, logits, N, V, targets, temperature)) return false;
    return N == 0 || (lse != nullptr && grad_logits != nullptr && (grad_entropy == nullptr || entropy != nullptr));
}

}  // namespace rlaif

#endif
