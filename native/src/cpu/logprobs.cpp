// Log-probs of targets from logits, and their gradient, on the CPU.
// Contract: include/rlaif/logprobs.h. One thread per row; within a row,
// blocks of kBlock logits: a vectorised max, then vectorised sums of
// exp(z - max) and exp(z - max) * (z - max) merged into the running state,
// so each logit is read once from memory (the second read hits L1).
#include <cmath>
#include <limits>

#include "../common/dtype.h"
#include "../common/logprobs_args.h"
#include "../common/fast_exp.h"
#include "../common/topk.h"
#include "isa.h"
#include "rlaif/logprobs.h"

namespace {

using rlaif::bf16;
using rlaif::fast_exp;
using rlaif::load;
using rlaif::store;

constexpr int64_t kBlock = 512;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Running softmax statistics relative to the running max m:
// s = sum exp(z - m), t = sum exp(z - m) * (z - m).
struct RowState {
    float m = kNegInf, s = 0.0f, t = 0.0f;
};

// The k best (value, index) pairs seen so far, in descending value order.
struct TopK {
    int64_t k;
    int64_t size = 0;
    float *values;
    int64_t *indices;

    float threshold() const { return size < k ? kNegInf : values[k - 1]; }

    void offer(float v, int64_t index) { rlaif::topk_offer(values, indices, k, size, v, index); }
};

template <typename E>
void forward_row(const E *row, int64_t V, float inv_temp, RowState &st, TopK *top) {
    for (int64_t b0 = 0; b0 < V; b0 += kBlock) {
        const int64_t len = V - b0 < kBlock ? V - b0 : kBlock;
        const E *blk = row + b0;
        float bmax = kNegInf;
#pragma omp simd reduction(max : bmax)
        for (int64_t j = 0; j < len; ++j) {
            const float z = load(blk[j]) * inv_temp;
            bmax = z > bmax ? z : bmax;
        }
        if (bmax > st.m) {
            if (st.m != kNegInf) {
                const float a = fast_exp(st.m - bmax);
                st.t = a * (st.t + (st.m - bmax) * st.s);
                st.s *= a;
            }
            st.m = bmax;
        }
        const float m = st.m;
        float s = 0.0f, t = 0.0f;
#pragma omp simd reduction(+ : s, t)
        for (int64_t j = 0; j < len; ++j) {
            const float d = load(blk[j]) * inv_temp - m;
            const float e = fast_exp(d);
            s += e;
            t += e > 0.0f ? e * d : 0.0f;  // -inf logits contribute 0, not -inf * 0
        }
        st.s += s;
        st.t += t;
        if (top != nullptr && bmax > top->threshold()) {
            for (int64_t j = 0; j < len; ++j) top->offer(load(blk[j]) * inv_temp, b0 + j);
        }
    }
}

template <typename E>
int forward_typed(const E *logits, int64_t N, int64_t V, const int64_t *targets, const uint8_t *mask, float temperature,
                  int64_t ignore_index, float *logp, float *entropy, float *lse, int64_t top_k, float *top_values,
                  int64_t *top_indices) {
    const float inv_temp = 1.0f / temperature;
    int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad) if (N * V >= (1 << 16))
    for (int64_t n = 0; n < N; ++n) {
        const bool valid = rlaif::logprobs_row_valid(targets, mask, n, ignore_index);
        if (valid && (targets[n] < 0 || targets[n] >= V)) {
            bad = 1;
            continue;
        }
        TopK top{top_k, 0, top_values + n * top_k, top_indices + n * top_k};
        if (!valid) {
            logp[n] = 0.0f;
            if (entropy) entropy[n] = 0.0f;
            if (lse) lse[n] = 0.0f;
            for (int64_t i = 0; i < top_k; ++i) {
                top.values[i] = kNegInf;
                top.indices[i] = -1;
            }
            continue;
        }
        const E *row = logits + n * V;
        RowState st;
        forward_row(row, V, inv_temp, st, top_k > 0 ? &top : nullptr);
        const float log_s = std::log(st.s);
        const float row_lse = st.m + log_s;
        logp[n] = load(row[targets[n]]) * inv_temp - row_lse;
        if (entropy) entropy[n] = log_s - st.t / st.s;
        if (lse) lse[n] = row_lse;
        for (int64_t i = 0; i < top.size; ++i) top.values[i] -= row_lse;
    }
    return bad ? RLAIF_ERR_INVALID_ARGUMENT : RLAIF_OK;
}

template <typename E>
int backward_typed(const E *logits, int64_t N, int64_t V, const int64_t *targets, const uint8_t *mask,
                   float temperature, int64_t ignore_index, const float *lse, const float *entropy,
                   const float *grad_logp, const float *grad_entropy, E *grad_logits) {
    const float inv_temp = 1.0f / temperature;
    int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad) if (N * V >= (1 << 16))
    for (int64_t n = 0; n < N; ++n) {
        E *out = grad_logits + n * V;
        const bool valid = rlaif::logprobs_row_valid(targets, mask, n, ignore_index);
        if (valid && (targets[n] < 0 || targets[n] >= V)) {
            bad = 1;
            continue;
        }
        if (!valid) {
            for (int64_t j = 0; j < V; ++j) out[j] = store<E>(0.0f);
            continue;
        }
        const E *row = logits + n * V;
        const float g = grad_logp ? grad_logp[n] * inv_temp : 0.0f;
        const float h = grad_entropy ? grad_entropy[n] * inv_temp : 0.0f;
        const float l = lse[n];
        const float ent = grad_entropy ? entropy[n] : 0.0f;
#pragma omp simd
        for (int64_t j = 0; j < V; ++j) {
            const float lp = load(row[j]) * inv_temp - l;  // log p_j
            const float p = fast_exp(lp);
            // p == 0 (a -inf logit) must give 0, not 0 * -inf.
            const float ent_term = p > 0.0f ? h * p * (lp + ent) : 0.0f;
            out[j] = store<E>(-g * p - ent_term);
        }
        const int64_t t = targets[n];
        out[t] = store<E>(load(out[t]) + g);
    }
    return bad ? RLAIF_ERR_INVALID_ARGUMENT : RLAIF_OK;
}

}  // namespace

int rlaif::cpu::RLAIF_CPU_ISA::logprobs_forward(int dtype, const void *logits, int64_t N, int64_t V,
                                                const int64_t *targets, const uint8_t *mask, float temperature,
                                                int64_t ignore_index, float *logp, float *entropy, float *lse,
                                                int64_t top_k, float *top_values, int64_t *top_indices) {
    if (!rlaif::logprobs_forward_args_ok(dtype, logits, N, V, targets, temperature, logp, top_k, top_values,
                                         top_indices)) {
        return RLAIF_ERR_INVALID_ARGUMENT;
    }
    if (dtype == RLAIF_DTYPE_F32) {
        return forward_typed(static_cast<const float *>(logits), N, V, targets, mask, temperature, ignore_index, logp,
                             entropy, lse, top_k, top_values, top_indices);
    }
    return forward_typed(static_cast<const bf16 *>(logits), N, V, targets, mask, temperature, ignore_index, logp,
                         entropy, lse, top_k, top_values, top_indices);
}

int rlaif::cpu::RLAIF_CPU_ISA::logprobs_backward(int dtype, const void *logits, int64_t N, int64_t V,
                                                 const int64_t *targets, const uint8_t *mask, float temperature,
                                                 int64_t ignore_index, const float *lse, const float *entropy,
                                                 const float *grad_logp, const float *grad_entropy,
                                                 void *grad_logits) {
    if (!rlaif::logprobs_backward_args_ok(dtype, logits, N, V, targets, temperature, lse, entropy, grad_entropy,
                                          grad_logits)) {
        return RLAIF_ERR_INVALID_ARGUMENT;
    }
    if (dtype == RLAIF_DTYPE_F32) {
        return backward_typed(static_cast<const float *>(logits), N, V, targets, mask, temperature, ignore_index, lse,
                              entropy, grad_logp, grad_entropy, static_cast<float *>(grad_logits));
    }
    return backward_typed(static_cast<const bf16 *>(logits), N, V, targets, mask, temperature, ignore_index, lse,
                          entropy, grad_logp, grad_entropy, static_cast<bf16 *>(grad_logits));
}
