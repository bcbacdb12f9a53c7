// Build and device queries of the CUDA half (see include/rlaif/cuda.h).
#include "rlaif/cuda.h"

#include "cuda_common.cuh"

#ifndef RLAIF_CUDA_ARCHS
#define RLAIF_CUDA_ARCHS ""
#endif

namespace {
thread_local const char *last_error = "";
}

int rlaif::cuda_status(cudaError_t err) {
    if (err == cudaSuccess) return RLAIF_OK;
    last_error = cudaGetErrorString(err);
    return RLAIF_ERR_CUDA;
}

extern "C" int rlaif_cuda_compiled(void) { return 1; }

extern "C" const char *rlaif_cuda_architectures(void) { return RLAIF_CUDA_ARCHS; }

extern "C" int rlaif_cuda_device_count(void) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError();  // clear the sticky "no driver" error
        return 0;
    }
    return n;
}

extern "C" const char *rlaif_cuda_last_error(void) { return last_error; }
