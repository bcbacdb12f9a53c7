// Insertion into a row's running top-k list (values descending), shared by the
// CPU and CUDA log-prob kernels. Ties keep the earlier (lower) index first.
#ifndef RLAIF_SRC_TOPK_H
#define RLAIF_SRC_TOPK_H

#include <cstdint>

#include "dtype.h"

namespace rlaif {

RLAIF_HD void topk_offer(float *values, int64_t *indices, int64_t k, int64_t &size, float v, int64_t index) {
    if (size == k && !(v > values[k - 1])) return;
    int64_t pos = size < k ? size++ : k - 1;
    while (pos > 0 && v > values[pos - 1]) {
        values[pos] = values[pos - 1];
        indices[pos] = indices[pos - 1];
        --pos;
    }
    values[pos] = v;
    indices[pos] = index;
}

}  // namespace rlaif

#endif
