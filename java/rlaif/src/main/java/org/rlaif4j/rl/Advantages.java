package org.rlaif4j.rl;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.Gae;
import org.rlaif4j.kernels.GaeConfig;
import org.rlaif4j.kernels.GaeResult;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.kernels.reference.EagerGae;
import org.rlaif4j.model.Ops;

/**
 * The advantage estimators of {@link AdvantageMode}, from an iteration's shaped sequence rewards
 * and per-token log-probs, followed by the configured {@link AdvantageWhitening} over all ranks'
 * rows. Rows come in groups of {@code samplesPerPrompt} (sample j of prompt i at row i * k + j).
 *
 * <pre>
 *   kl_t (per token, PerTokenRewards) with the reward's estimator, or the loss's for GRPO / Dr. GRPO
 *   GAE                    GAE(gamma, lambda) over r_t = -beta kl_t + [t last] R with the critic's values
 *   RLOO                   R_i - beta KL_i - mean of the others' (R_j - beta KL_j)        (KL_i = sum_t kl_t)
 *   GRPO                   (R_i - mean_g) / (std_g + 1e-4)                                  (KL in the loss)
 *   DR_GRPO                R_i - mean_g                                                     (KL in the loss)
 *   REINFORCE_PP           A_t = sum_{s >= t} gamma^(s-t) r_s,  r_s = -beta kl_s + [s last] R
 *   REINFORCE_PP_BASELINE  the same with R_i - mean_g in place of R_i
 * </pre>
 */
final class Advantages {
    static final double GRPO_EPS = 1e-4;

    private Advantages() {}

    /**
     * @param advantages  {@code [B, N]} float32, 0 at masked positions
     * @param returns     value targets (GAE only), else null
     * @param sequenceKl  per row, the summed per-token KL estimate (what the KL controller observes)
     */
    record Result(Tensor advantages, Tensor returns, float[] sequenceKl) {}

    static Result compute(PpoTrainingConfig cfg, float[] shaped, Tensor logp, Tensor refLogp, Tensor values, Tensor mask,
            int[] lengths, double beta, boolean eager, RankStats ranks) {
        AdvantageMode mode = cfg.advantageMode();
        int k = cfg.samplesPerPrompt();
        int b = shaped.length;
        PerTokenRewards.Result tokenRewards = PerTokenRewards.compute(logp, refLogp, mask,
                mode == AdvantageMode.REINFORCE_PP_BASELINE ? GroupAdvantages.centred(shaped, k) : shaped, beta,
                mode.klInLoss() ? cfg.lossKlEstimator() : cfg.klEstimator());
        float[] seqKl = Ops.toFloats(tokenRewards.kl().sum(1L));
        Tensor advantages;
        Tensor returns = null;
        switch (mode) {
            case GAE -> {
                GaeResult r = gae(tokenRewards.rewards(), values, mask, new GaeConfig(cfg.gamma(), cfg.lambda()), eager);
                advantages = r.advantages();
                returns = r.returns();
            }
            case RLOO -> {
                float[] r = new float[b];
                for (int i = 0; i < b; i++) {
                    r[i] = (float) (shaped[i] - beta * seqKl[i]);
                }
                advantages = broadcast(GroupAdvantages.rloo(r, k), mask);
            }
            case GRPO -> advantages = broadcast(GroupAdvantages.grpo(shaped, k, GRPO_EPS), mask);
            case DR_GRPO -> advantages = broadcast(GroupAdvantages.centred(shaped, k), mask);
            case REINFORCE_PP, REINFORCE_PP_BASELINE -> {
                // critic-free returns: GAE with zero values and lambda 1 is sum_s gamma^(s-t) r_s
                Tensor zero = torch.zeros_like(tokenRewards.rewards());
                advantages = gae(tokenRewards.rewards(), zero, mask, new GaeConfig(cfg.gamma(), 1.0), eager).advantages();
            }
            default -> throw new IllegalStateException("advantageMode " + mode);
        }
        advantages = switch (cfg.whitening()) { // all ranks' mean and variance, as one process would
            case TOKEN -> ranks.whiten(advantages, mask, eager);
            case SEQUENCE -> ranks.whitenRows(advantages, mask, lengths);
            case NONE -> advantages;
        };
        return new Result(advantages, returns, seqKl);
    }

    private static GaeResult gae(Tensor rewards, Tensor values, Tensor mask, GaeConfig gc, boolean eager) {
        return eager ? EagerGae.compute(rewards, values, mask, null, gc) : Gae.compute(rewards, values, mask, gc);
    }

    /** {@code [B, N]}: each row's value at its valid tokens, 0 elsewhere. */
    static Tensor broadcast(float[] perRow, Tensor mask) {
        return Tensors.fromFloats(perRow, perRow.length, 1).mul(mask.to(ScalarType.Float)).contiguous();
    }
}
