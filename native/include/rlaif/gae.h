/*
 * Generalised advantage estimation (Schulman et al. 2016) over masked rows.
 *
 * Inputs are row-major [B, T]: rewards, values (dtype `dtype`), mask (uint8,
 * nonzero = valid). bootstrap is [B] in `dtype` or NULL (treated as zeros):
 * the value estimate after the last valid step of each row, for truncated
 * sequences.
 *
 * For each row b the recursion runs over the row's valid positions only,
 * from the last to the first. With t a valid position and t' the next valid
 * position after t in the same row (V(t') = bootstrap[b] when there is none):
 *     delta_t = r_t + gamma * V(t') - V(t)
 *     A_t     = delta_t + gamma * lambda * A_t'      (A after the last valid = 0)
 *     R_t     = A_t + V(t)
 * Masked positions do not break the chain; they are skipped. Outputs
 * advantages and returns are [B, T] in `dtype` and hold 0 at masked positions.
 * Inputs at masked positions are never used, so they may hold anything
 * (including NaN).
 *
 * Accumulation is float32. gamma and lambda must lie in [0, 1].
 * nan_flag (nullable; a device pointer for the CUDA entry) is set to 1 when a
 * NaN reached the recursion through a valid position or the bootstrap of a
 * row with a valid position (an infinity that cancels counts too), else 0.
 * Outputs may not alias inputs.
 */
#ifndef RLAIF_GAE_H
#define RLAIF_GAE_H

#include "rlaif/common.h"

#ifdef __cplusplus
extern "C" {
#endif

int rlaif_gae(int dtype, const void *rewards, const void *values, const uint8_t *mask,
              const void *bootstrap, int64_t B, int64_t T, float gamma, float lambda,
              void *advantages, void *returns, int32_t *nan_flag);

/* Same contract on device memory, enqueued on `stream` (asynchronous). */
int rlaif_gae_cuda(int dtype, const void *rewards, const void *values, const uint8_t *mask,
                   const void *bootstrap, int64_t B, int64_t T, float gamma, float lambda,
                   void *advantages, void *returns, int32_t *nan_flag, cudaStream_t stream);

#ifdef __cplusplus
}
#endif

#endif /* RLAIF_GAE_H */
