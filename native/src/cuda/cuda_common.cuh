// Helpers shared by the CUDA kernels: error capture and launch shapes.
#ifndef RLAIF_CUDA_COMMON_CUH
#define RLAIF_CUDA_COMMON_CUH

#include <cuda_runtime.h>

#include "rlaif/common.h"

namespace rlaif {

// Remembers the error text for rlaif_cuda_last_error() and maps it to a status.
int cuda_status(cudaError_t err);

inline int blocks_for(int64_t n, int threads, int max_blocks) {
    int64_t b = (n + threads - 1) / threads;
    if (b > max_blocks) b = max_blocks;
    return b < 1 ? 1 : static_cast<int>(b);
}

}  // namespace rlaif

#endif
