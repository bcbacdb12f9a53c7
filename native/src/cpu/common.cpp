// Status strings, version and the parallel copy used as the bandwidth baseline.
#include "rlaif/common.h"

#include <cstring>
#ifdef _OPENMP
#include <omp.h>
#endif

#ifndef RLAIF_VERSION
#define RLAIF_VERSION "unknown"
#endif

extern "C" const char *rlaif_status_string(int status) {
    switch (status) {
        case RLAIF_OK: return "ok";
        case RLAIF_ERR_INVALID_ARGUMENT: return "invalid argument";
        case RLAIF_ERR_CUDA: return "CUDA error";
        case RLAIF_ERR_NO_CUDA: return "library built without CUDA kernels";
        default: return "unknown status";
    }
}

extern "C" const char *rlaif_version(void) { return RLAIF_VERSION; }

extern "C" int rlaif_num_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 0;
#endif
}

extern "C" int rlaif_copy(void *dst, const void *src, int64_t nbytes) {
    if (nbytes < 0 || (nbytes > 0 && (dst == nullptr || src == nullptr))) return RLAIF_ERR_INVALID_ARGUMENT;
    const int64_t block = 1 << 20;
    const int64_t blocks = (nbytes + block - 1) / block;
    char *d = static_cast<char *>(dst);
    const char *s = static_cast<const char *>(src);
#pragma omp parallel for schedule(static) if (blocks > 1)
    for (int64_t i = 0; i < blocks; ++i) {
        const int64_t off = i * block;
        const int64_t len = nbytes - off < block ? nbytes - off : block;
        std::memcpy(d + off, s + off, static_cast<size_t>(len));
    }
    return RLAIF_OK;
}
