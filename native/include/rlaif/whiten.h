/*
 * Masked statistics and whitening over all valid elements of a tensor.
 *
 * x is n elements of `dtype`; mask is n bytes, nonzero = valid. Statistics
 * are taken over valid elements only and accumulated in float64 (one pass,
 * sums shifted by the first valid value, merged exactly across threads), so
 * 10^8 elements with a mean far from zero keep an accurate variance.
 *
 * stats receives three doubles: {count, mean, variance} with the unbiased
 * (n - 1) variance. mean is NaN when count == 0; variance is NaN when
 * count < 2. A NaN at a valid position makes mean and variance NaN.
 *
 * Whitening writes, at valid positions,
 *     out = (x - mean) / sqrt(var + eps)        + (shift_mean ? 0 : mean)
 * and 0 at masked positions, where for count == 0 mean = 0 and for
 * count < 2 var = 0 (so a single valid element whitens to 0, or to itself
 * when the mean is added back). eps must be >= 0. out may alias x.
 *
 * For the CUDA entries stats is a device pointer to three doubles, also used
 * as scratch; it is required there.
 */
#ifndef RLAIF_WHITEN_H
#define RLAIF_WHITEN_H

#include "rlaif/common.h"

#ifdef __cplusplus
extern "C" {
#endif

int rlaif_masked_stats(int dtype, const void *x, const uint8_t *mask, int64_t n, double *stats);

int rlaif_whiten(int dtype, const void *x, const uint8_t *mask, int64_t n, int shift_mean,
                 double eps, void *out, double *stats);

int rlaif_masked_stats_cuda(int dtype, const void *x, const uint8_t *mask, int64_t n,
                            double *stats, cudaStream_t stream);

int rlaif_whiten_cuda(int dtype, const void *x, const uint8_t *mask, int64_t n, int shift_mean,
                      double eps, void *out, double *stats, cudaStream_t stream);

#ifdef __cplusplus
}
#endif

#endif /* RLAIF_WHITEN_H */
