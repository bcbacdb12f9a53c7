/*
 * Fused PPO / GRPO loss: loss, statistics and gradients in one pass over the
 * tokens of a masked [B, T] batch.
 *
 * Inputs are row-major [B, T] in `dtype` (float32 or bfloat16; all math in
 * float32, sums in float64): logp (log-prob of the taken token under the
 * policy being trained), old_logp (under the policy that sampled), advantages,
 * and optionally ref_logp (reference policy, for a KL term in the loss),
 * values / old_values / returns (all three or none, for the value term) and
 * entropy (per-token entropy, for the entropy bonus). mask is [B, T] uint8,
 * nonzero = valid. Inputs at masked positions are never used (they may hold
 * anything, NaN included).
 *
 * is_weights (optional, [B, T] in `dtype`) is a constant per-token weight w_is
 * of the policy term (truncated importance sampling for rollouts sampled by
 * another engine: the caller passes min(pi_train / pi_sampler, C)).
 *
 * Per valid token, with BOUND = RLAIF_PPO_LOGRATIO_BOUND (20) and float32 math
 * in the order written here (the order of the eager libtorch composition):
 *   lr     = clamp(logp - old_logp, -BOUND, BOUND)     (exp can't overflow)
 *   ratio  = exp(lr)
 * and the policy term by options.policy_loss:
 *   RLAIF_PPO_POLICY_CLIP (PPO):
 *     pg   = max(-A * ratio, -A * clamp(ratio, 1 - eps_low, 1 + eps_high))
 *     dual clip (dual_clip = c > 1):  pg = A < 0 ? min(pg, -A * c) : pg
 *   RLAIF_PPO_POLICY_GSPO (Zheng et al. 2025, sequence-level ratio): per row b
 *     with n_b valid tokens, slr_b = (float64 sum over its valid tokens of
 *     logp - old_logp) / n_b rounded to float32, s_b = exp(clamp(slr_b, -BOUND,
 *     BOUND)), and every valid token of the row takes the CLIP formula above
 *     (dual clip included) with s_b in place of ratio. d s_b / d logp_t =
 *     s_b / n_b (0 when |slr_b| > BOUND), so each token's gradient sums the
 *     whole row's d pg / d s_b: grad_logp_t = (1/n_b) * [|slr_b| <= BOUND] *
 *     sum_t' w_t' * w_is_t' * d pg_t' / d s_b * s_b + the token's KL part.
 *   RLAIF_PPO_POLICY_CISPO (MiniMax-M1, 2025): pg = -A * sg(clamp(ratio,
 *     1 - eps_low, 1 + eps_high)) * logp, sg = stop-gradient: d pg / d logp =
 *     -A * clamp(ratio, ...). Requires dual_clip == 0.
 *   with is_weights: pg = w_is * pg (after every clip), and its gradient likewise.
 *   value (values given):
 *     value_clip > 0:  vc = clamp(v, old_v - value_clip, old_v + value_clip)
 *                      vf = 0.5 * max((v - R)^2, (vc - R)^2)
 *                      (= old_v + clamp(v - old_v, -value_clip, value_clip), written
 *                      as TRL / verl write it: exactly v inside the range)
 *     value_clip == 0: vf = 0.5 * (v - R)^2
 *   KL to the reference (ref_logp given), d = ref_logp - logp:
 *     k1 = -d;   k2 = 0.5 * d^2;   k3 = exp(dc) - dc - 1 with dc = clamp(d, -BOUND, BOUND)
 *   entropy (given): the caller's per-token value.
 * Each term X is aggregated over valid tokens with per-token weight w(b):
 *   TOKEN_MEAN            w = 1 / N            (N valid tokens in the batch)
 *   SEQ_MEAN_TOKEN_MEAN   w = 1 / (R * n_b)    (n_b valid tokens of row b, R rows with n_b > 0)
 *   SEQ_MEAN_TOKEN_SUM    w = 1 / R
 *   (options.row_norm > 0 replaces R in both: micro-batches and data-parallel
 *   ranks normalised by the whole minibatch's rows)
 *   TOKEN_SUM_NORM        w = 1 / norm_constant
 * and loss = PG + vf_coef * VF + kl_coef * KL - ent_coef * ENT. With no valid
 * token every term is 0 (and every gradient 0).
 *
 * Gradients (each optional: NULL = not written) are d loss / d input, [B, T]
 * in `dtype`, 0 at masked positions:
 *   grad_logp    = w * (d pg/d logp + kl_coef * d kl/d logp)
 *   grad_values  = w * vf_coef * d vf/d v          (requires values)
 *   grad_entropy = -w * ent_coef                    (requires entropy)
 * They equal libtorch autograd of the composition above, including its
 * subgradients at the kinks:
 *   - clamp(x, lo, hi) passes the gradient when lo <= x <= hi (inclusive)
 *     and 0 outside, so a logratio beyond +-BOUND gets no gradient;
 *   - max(a, b) and min(a, b) (torch.maximum / minimum) give the whole
 *     gradient to the winner and split it 0.5 / 0.5 on an exact tie;
 *   - where(A < 0, ...) sends the gradient to the dual-clip branch only for A < 0.
 * old_logp, advantages, ref_logp, old_values and returns are constants.
 *
 * With GSPO the ratio statistics below (clip fractions, ratio mean/min/max)
 * use s_b at each valid token; with CISPO, CLIPFRAC_LOW / CLIPFRAC_HIGH count
 * the tokens whose weight is clipped (ratio < 1 - eps_low / ratio > 1 +
 * eps_high, whatever the advantage's sign). APPROX_KL and APPROX_KL_K3 stay
 * token-level (the token's lr and exp(lr)) in every mode.
 *
 * Statistics: stats[RLAIF_PPO_NUM_STATS] doubles, indexed by RLAIF_PPO_STAT_*.
 * The loss terms use the aggregation above; the diagnostics (fractions,
 * approximate KL, ratio mean) are means over all N valid tokens (NaN when
 * N == 0), ratio min / max over valid tokens (NaN when N == 0). All use the
 * clamped lr and its ratio.
 *   CLIPFRAC_LOW   tokens with A < 0 and ratio < 1 - eps_low   (clip binds below)
 *   CLIPFRAC_HIGH  tokens with A > 0 and ratio > 1 + eps_high  (clip binds above)
 *   DUAL_CLIPFRAC  tokens with A < 0 whose pg exceeds -A * c   (0 without dual clip)
 *   VALUE_CLIPFRAC tokens whose clipped value loss is strictly the larger (0 without)
 *   APPROX_KL      mean of 0.5 * lr^2;  APPROX_KL_K3  mean of (ratio - 1) - lr
 *   NAN_TOKENS     valid tokens with a NaN in any input read; NaN propagates into
 *                  the loss and that token's gradients (callers decide whether to fail)
 * A statistic of a part that is off (no values, no ref_logp, no entropy) is 0.
 *
 * Determinism: partial sums are kept per tile of a row in the workspace and
 * merged in a fixed order, so results do not depend on the thread count (CPU)
 * or on scheduling (CUDA: no floating-point atomics).
 *
 * workspace: caller-allocated scratch of rlaif_ppo_loss_workspace_bytes(B, T)
 * bytes (CUDA: rlaif_ppo_loss_cuda_workspace_bytes, device memory), 16-byte
 * aligned. Outputs may not alias inputs or each other.
 */
#ifndef RLAIF_PPO_LOSS_H
#define RLAIF_PPO_LOSS_H

#include "rlaif/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bound on |logp - old_logp| (and on |ref_logp - logp| for k3) before exp. */
#define RLAIF_PPO_LOGRATIO_BOUND 20.0f

enum {
    RLAIF_PPO_AGG_TOKEN_MEAN = 0,
    RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_MEAN = 1,
    RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_SUM = 2,
    RLAIF_PPO_AGG_TOKEN_SUM_NORM = 3
};

enum { RLAIF_PPO_KL_K1 = 0, RLAIF_PPO_KL_K2 = 1, RLAIF_PPO_KL_K3 = 2 };

enum { RLAIF_PPO_POLICY_CLIP = 0, RLAIF_PPO_POLICY_GSPO = 1, RLAIF_PPO_POLICY_CISPO = 2 };

/* Indices into the stats array. */
enum {
    RLAIF_PPO_STAT_LOSS = 0,
    RLAIF_PPO_STAT_POLICY_LOSS = 1,
    RLAIF_PPO_STAT_VALUE_LOSS = 2,
    RLAIF_PPO_STAT_KL_LOSS = 3,
    RLAIF_PPO_STAT_ENTROPY = 4,
    RLAIF_PPO_STAT_CLIPFRAC_LOW = 5,
    RLAIF_PPO_STAT_CLIPFRAC_HIGH = 6,
    RLAIF_PPO_STAT_DUAL_CLIPFRAC = 7,
    RLAIF_PPO_STAT_VALUE_CLIPFRAC = 8,
    RLAIF_PPO_STAT_APPROX_KL = 9,
    RLAIF_PPO_STAT_APPROX_KL_K3 = 10,
    RLAIF_PPO_STAT_RATIO_MEAN = 11,
    RLAIF_PPO_STAT_RATIO_MIN = 12,
    RLAIF_PPO_STAT_RATIO_MAX = 13,
    RLAIF_PPO_STAT_VALID_TOKENS = 14,
    RLAIF_PPO_STAT_VALID_ROWS = 15,
    RLAIF_PPO_STAT_NAN_TOKENS = 16,
    RLAIF_PPO_NUM_STATS = 17
};

/* Scalar options; every entry point rejects values outside these ranges. */
typedef struct rlaif_ppo_options {
    int32_t aggregation;  /* RLAIF_PPO_AGG_* */
    int32_t kl_estimator; /* RLAIF_PPO_KL_*, used when ref_logp is given */
    double eps_low;       /* in (0, 1): ratio clipped below at 1 - eps_low */
    double eps_high;      /* finite > 0: ratio clipped above at 1 + eps_high */
    double dual_clip;     /* 0 = off, else finite > 1 */
    double value_clip;    /* 0 = off, else finite > 0 */
    double vf_coef;       /* finite >= 0; > 0 requires values */
    double kl_coef;       /* finite >= 0; > 0 requires ref_logp */
    double ent_coef;      /* finite >= 0; > 0 requires entropy */
    double norm_constant; /* finite > 0: the divisor of RLAIF_PPO_AGG_TOKEN_SUM_NORM */
    int32_t policy_loss;  /* RLAIF_PPO_POLICY_*; CISPO requires dual_clip == 0 */
    double row_norm;      /* 0 = R; else finite > 0: the row divisor of the SEQ_MEAN_* aggregations */
} rlaif_ppo_options;

/* Scratch bytes the CPU entry needs for a [B, T] batch (negative sizes: RLAIF_ERR_INVALID_ARGUMENT). */
int64_t rlaif_ppo_loss_workspace_bytes(int64_t B, int64_t T);

int rlaif_ppo_loss(int dtype, const void *logp, const void *old_logp, const void *advantages, const uint8_t *mask,
                   const void *ref_logp, const void *values, const void *old_values, const void *returns,
                   const void *entropy, const void *is_weights, int64_t B, int64_t T, const rlaif_ppo_options *options, void *grad_logp,
                   void *grad_values, void *grad_entropy, double *stats, void *workspace);

/* Scratch bytes (device memory) the CUDA entry needs; RLAIF_ERR_NO_CUDA in a build without CUDA. */
int64_t rlaif_ppo_loss_cuda_workspace_bytes(int64_t B, int64_t T);

/* Same contract on device memory (stats too), enqueued on `stream` (asynchronous). */
int rlaif_ppo_loss_cuda(int dtype, const void *logp, const void *old_logp, const void *advantages,
                        const uint8_t *mask, const void *ref_logp, const void *values, const void *old_values,
                        const void *returns, const void *entropy, const void *is_weights, int64_t B, int64_t T,
                        const rlaif_ppo_options *options, void *grad_logp, void *grad_values, void *grad_entropy,
                        double *stats, void *workspace, cudaStream_t stream);

#ifdef __cplusplus
}
#endif

#endif /* RLAIF_PPO_LOSS_H */
