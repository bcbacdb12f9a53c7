/*
 * rlaif4j native kernels: shared definitions of the C ABI.
 *
 * Every kernel takes raw pointers, sizes and scalars; the caller owns and
 * allocates every buffer. Element types are chosen at run time with an
 * rlaif_dtype code so that one entry point serves float32 and bfloat16.
 * Masks are one byte per element (torch.bool or torch.uint8): nonzero = valid.
 */
#ifndef RLAIF_COMMON_H
#define RLAIF_COMMON_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Declared exactly as the CUDA runtime declares it, so that headers need no CUDA include. */
struct CUstream_st;
typedef struct CUstream_st *cudaStream_t;

/* Element type codes. Accumulation is float32 or wider whatever the element type. */
enum {
    RLAIF_DTYPE_F32 = 0,  /* IEEE float32 */
    RLAIF_DTYPE_BF16 = 1  /* bfloat16 stored as uint16 bits; rounded to nearest even on store */
};

/* Return codes of every kernel entry point. */
enum {
    RLAIF_OK = 0,
    RLAIF_ERR_INVALID_ARGUMENT = -1, /* null pointer, negative size, unknown dtype, scalar out of range */
    RLAIF_ERR_CUDA = -2,             /* a CUDA call or launch failed (see rlaif_cuda_last_error) */
    RLAIF_ERR_NO_CUDA = -3           /* this build of the library has no CUDA kernels */
};

/* Human-readable text of a return code; never NULL. */
const char *rlaif_status_string(int status);

/* Version of the native library, e.g. "0.1.0". */
const char *rlaif_version(void);

/* Instruction set the CPU kernels dispatched to: "x86-64-v4" (AVX-512), "x86-64-v3" (AVX2 + FMA) or "x86-64". */
const char *rlaif_cpu_isa(void);

/* Number of OpenMP threads the CPU kernels use (0 when built without OpenMP). */
int rlaif_num_threads(void);

/*
 * Parallel memory copy of nbytes from src to dst (non-overlapping).
 * Not a kernel of the pipeline: it is the bandwidth baseline the benchmarks
 * compare the kernels with, using the same threads as they do.
 */
int rlaif_copy(void *dst, const void *src, int64_t nbytes);

#ifdef __cplusplus
}
#endif

#endif /* RLAIF_COMMON_H */
