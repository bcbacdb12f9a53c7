/*
 * Log-probabilities of target tokens straight from logits, one pass per row,
 * without materialising the [N, V] log-softmax.
 *
 * logits is row-major [N, V] in `dtype`; targets [N] int64; mask [N] uint8
 * (nullable = all rows valid). A row is skipped when its mask byte is 0 or its
 * target equals ignore_index; other rows need 0 <= target < V.
 *
 * With z = logits[n, :] / temperature (temperature > 0), p = softmax(z):
 *     lse_n     = log sum_j exp(z_j)            (online max / sum-exp)
 *     logp_n    = z[target_n] - lse_n
 *     entropy_n = -sum_j p_j log p_j = log s - sum_j exp(z_j - m) (z_j - m) / s,
 *                 with m the row max and s = sum_j exp(z_j - m), which avoids
 *                 cancelling two large numbers when logits are large.
 * Outputs are float32 [N]; skipped rows get 0 everywhere. lse is saved for the
 * backward. top_k > 0 also writes the row's k largest log-probs (descending)
 * and their token indices, [N, k], from the same pass; ties keep the lower
 * index first; skipped rows get -inf and -1. k <= V.
 *
 * Backward, given upstream gradients g (of logp, nullable = 0) and h (of
 * entropy, nullable = 0), writes for every valid row
 *     grad_logits[n, j] = ( g_n (1[j == target_n] - p_j) - h_n p_j (log p_j + entropy_n) ) / temperature
 * (the exact derivative of the forward above), and 0 for skipped rows, in
 * `dtype`. It needs lse and entropy from the forward (entropy only when h is
 * given). All float math is float32; exp is a polynomial accurate to ~2 ulp.
 *
 * Returns RLAIF_ERR_INVALID_ARGUMENT for a target outside [0, V) at a valid
 * row (nothing is read out of bounds; outputs are then unspecified).
 */
#ifndef RLAIF_LOGPROBS_H
#define RLAIF_LOGPROBS_H

#include "rlaif/common.h"

#ifdef __cplusplus
extern "C" {
#endif

int rlaif_logprobs_forward(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,
                           const uint8_t *mask, float temperature, int64_t ignore_index, float *logp,
                           float *entropy, float *lse, int64_t top_k, float *top_values, int64_t *top_indices);

int rlaif_logprobs_backward(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,
                            const uint8_t *mask, float temperature, int64_t ignore_index, const float *lse,
                            const float *entropy, const float *grad_logp, const float *grad_entropy,
                            void *grad_logits);

/* Same contracts on device memory, enqueued on `stream`. */
int rlaif_logprobs_forward_cuda(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,
                                const uint8_t *mask, float temperature, int64_t ignore_index, float *logp,
                                float *entropy, float *lse, int64_t top_k, float *top_values,
                                int64_t *top_indices, cudaStream_t stream);

int rlaif_logprobs_backward_cuda(int dtype, const void *logits, int64_t N, int64_t V, const int64_t *targets,
                                 const uint8_t *mask, float temperature, int64_t ignore_index, const float *lse,
                                 const float *entropy, const float *grad_logp, const float *grad_entropy,
                                 void *grad_logits, cudaStream_t stream);

#ifdef __cplusplus
}
#endif

#endif /* RLAIF_LOGPROBS_H */
