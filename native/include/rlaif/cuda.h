/*
 * Queries about the CUDA half of the library. Always present: a build
 * without nvcc provides them with rlaif_cuda_compiled() == 0 and every
 * *_cuda entry returning RLAIF_ERR_NO_CUDA.
 */
#ifndef RLAIF_CUDA_H
#define RLAIF_CUDA_H

#include "rlaif/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when this library holds compiled CUDA kernels, else 0. */
int rlaif_cuda_compiled(void);

/* Architectures the kernels were compiled for, e.g. "80-real;90a-real", or "" without CUDA. */
const char *rlaif_cuda_architectures(void);

/* Number of CUDA devices visible (0 when none or without CUDA). */
int rlaif_cuda_device_count(void);

/* Text of the last CUDA error seen by this thread's calls, or "" when none. */
const char *rlaif_cuda_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* RLAIF_CUDA_H */
