package org.rlaif4j.kernels;

import java.util.Objects;
import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * Options of the fused PPO loss ({@link PpoLoss}). Validated on construction; change one
 * option at a time with the {@code with...} methods, starting from {@link #defaults()}.
 *
 * @param aggregation how each term is reduced over the valid tokens of the batch
 * @param normConstant the divisor of {@link Aggregation#TOKEN_SUM_NORM}, finite and > 0 (ignored by
 *     the other modes; Dr. GRPO uses the maximum response length)
 * @param epsLow the ratio is clipped below at {@code 1 - epsLow}; in (0, 1)
 * @param epsHigh the ratio is clipped above at {@code 1 + epsHigh}; finite and > 0 (DAPO's
 *     "clip higher" sets it above epsLow)
 * @param dualClip dual-clip constant c: for negative advantages the policy loss is capped at
 *     {@code -c * A}; 0 = off, else finite and > 1 (3 is usual)
 * @param valueClip the value prediction is kept within {@code oldValues +- valueClip}; 0 = off,
 *     else finite and > 0
 * @param vfCoef weight of the value loss; finite and >= 0, > 0 requires values
 * @param klEstimator estimator of KL(policy || reference) for the KL term (used when a reference is given)
 * @param klCoef weight of the KL term; finite and >= 0, > 0 requires a reference log-prob
 * @param entCoef weight of the entropy bonus (subtracted); finite and >= 0, > 0 requires entropy
 * @param failOnNaN throw when a valid token has a NaN input (else the NaN is counted in {@link
 *     PpoStats#nanTokens()} and propagates into the loss)
 * @param policyLoss the policy term: PPO's clipped token ratio, GSPO's sequence ratio or CISPO's
 *     clipped importance weight
 * @param rowNorm 0 = the SEQ_MEAN_* aggregations divide by the rows of the batch that have a
 *     valid token; else finite and > 0, the divisor itself (micro-batches and data-parallel ranks
 *     normalised by the whole minibatch's rows)
 */
public record PpoConfig(Aggregation aggregation, double normConstant, double epsLow, double epsHigh, double dualClip,
        double valueClip, double vfCoef, KlEstimator klEstimator, double klCoef, double entCoef, boolean failOnNaN,
        PolicyLoss policyLoss, double rowNorm) {

    /** The policy term of the loss (per valid token; A the advantage, r = exp(logp - oldLogp)). */
    public enum PolicyLoss {
        /** PPO (Schulman et al. 2017): {@code max(-A r, -A clamp(r, 1 - epsLow, 1 + epsHigh))}, dual clip optional. */
        CLIP(RlaifNative.RLAIF_PPO_POLICY_CLIP),
        /**
         * GSPO (Zheng et al. 2025): the same clipped objective with the row's sequence ratio
         * {@code s = exp(mean over its valid tokens of (logp - oldLogp))} in place of r, the
         * gradient reaching every token through s; clip ranges are small (3e-4 / 4e-4 in the paper).
         */
        GSPO(RlaifNative.RLAIF_PPO_POLICY_GSPO),
        /**
         * CISPO (MiniMax-M1, 2025): {@code -A * sg(clamp(r, 1 - epsLow, 1 + epsHigh)) * logp}: the
         * clipped ratio is a stop-gradient weight, so every token keeps a gradient. No dual clip.
         */
        CISPO(RlaifNative.RLAIF_PPO_POLICY_CISPO);

        final int code;

        PolicyLoss(int code) {
            this.code = code;
        }
    }

    /** How a per-token term becomes a scalar; masked tokens never count. */
    public enum Aggregation {
        /** Sum over all valid tokens divided by their number (TRL, verl default). */
        TOKEN_MEAN(RlaifNative.RLAIF_PPO_AGG_TOKEN_MEAN),
        /** Mean over each row's valid tokens, then mean over the rows that have any (original GRPO). */
        SEQ_MEAN_TOKEN_MEAN(RlaifNative.RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_MEAN),
        /** Sum over each row's valid tokens, then mean over the rows that have any. */
        SEQ_MEAN_TOKEN_SUM(RlaifNative.RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_SUM),
        /** Sum over all valid tokens divided by {@link PpoConfig#normConstant()} (Dr. GRPO). */
        TOKEN_SUM_NORM(RlaifNative.RLAIF_PPO_AGG_TOKEN_SUM_NORM);

        final int code;

        Aggregation(int code) {
            this.code = code;
        }
    }

    /** Estimators of KL(policy || reference) from d = refLogp - logp (Schulman's k1, k2, k3). */
    public enum KlEstimator {
        /** {@code -d}: unbiased, high variance, can be negative. */
        K1(RlaifNative.RLAIF_PPO_KL_K1),
        /** {@code 0.5 * d^2}. */
        K2(RlaifNative.RLAIF_PPO_KL_K2),
        /** {@code exp(d) - d - 1} (d clamped to +-20 first): unbiased, non-negative (GRPO). */
        K3(RlaifNative.RLAIF_PPO_KL_K3);

        final int code;

        KlEstimator(int code) {
            this.code = code;
        }
    }

    public PpoConfig {
        Objects.requireNonNull(aggregation, "aggregation: expected an Aggregation, found null");
        Objects.requireNonNull(klEstimator, "klEstimator: expected a KlEstimator, found null");
        requirePositive(normConstant, "normConstant");
        if (!(epsLow > 0.0 && epsLow < 1.0)) {
            throw new IllegalArgumentException("epsLow: expected a value in (0, 1), found " + epsLow);
        }
        requirePositive(epsHigh, "epsHigh");
        if (!(dualClip == 0.0 || (Double.isFinite(dualClip) && dualClip > 1.0))) {
            throw new IllegalArgumentException("dualClip: expected 0 (off) or a finite value > 1, found " + dualClip);
        }
        if (!(Double.isFinite(valueClip) && valueClip >= 0.0)) {
            throw new IllegalArgumentException("valueClip: expected 0 (off) or a finite value > 0, found " + valueClip);
        }
        requireNonNegative(vfCoef, "vfCoef");
        requireNonNegative(klCoef, "klCoef");
        requireNonNegative(entCoef, "entCoef");
        Objects.requireNonNull(policyLoss, "policyLoss: expected a PolicyLoss, found null");
        if (policyLoss == PolicyLoss.CISPO && dualClip != 0.0) {
            throw new IllegalArgumentException("dualClip: expected 0 with policyLoss CISPO (its clipped weight has no "
                    + "dual clip), found " + dualClip);
        }
        requireNonNegative(rowNorm, "rowNorm");
    }

    /**
     * Token-mean aggregation, PPO's clipped ratio (0.2 on both sides), no dual clip, no value clip,
     * every coefficient 0 (policy loss only), K3 estimator, fail on NaN, the batch's own row count.
     */
    public static PpoConfig defaults() {
        return new PpoConfig(Aggregation.TOKEN_MEAN, 1.0, 0.2, 0.2, 0.0, 0.0, 0.0, KlEstimator.K3, 0.0, 0.0, true,
                PolicyLoss.CLIP, 0.0);
    }

    public PpoConfig withAggregation(Aggregation a) {
        return new PpoConfig(a, normConstant, epsLow, epsHigh, dualClip, valueClip, vfCoef, klEstimator, klCoef,
                entCoef, failOnNaN, policyLoss, rowNorm);
    }

    /** {@link Aggregation#TOKEN_SUM_NORM} with the given divisor. */
    public PpoConfig withTokenSumNorm(double constant) {
        return new PpoConfig(Aggregation.TOKEN_SUM_NORM, constant, epsLow, epsHigh, dualClip, valueClip, vfCoef,
                klEstimator, klCoef, entCoef, failOnNaN, policyLoss, rowNorm);
    }

    /** The same clip range on both sides. */
    public PpoConfig withClip(double eps) {
        return withClip(eps, eps);
    }

    public PpoConfig withClip(double low, double high) {
        return new PpoConfig(aggregation, normConstant, low, high, dualClip, valueClip, vfCoef, klEstimator, klCoef,
                entCoef, failOnNaN, policyLoss, rowNorm);
    }

    /** Dual clip with constant c > 1; 0 turns it off. */
    public PpoConfig withDualClip(double c) {
        return new PpoConfig(aggregation, normConstant, epsLow, epsHigh, c, valueClip, vfCoef, klEstimator, klCoef,
                entCoef, failOnNaN, policyLoss, rowNorm);
    }

    /** Value loss with coefficient {@code coef} and value clip {@code clip} (0 = no clip). */
    public PpoConfig withValueLoss(double coef, double clip) {
        return new PpoConfig(aggregation, normConstant, epsLow, epsHigh, dualClip, clip, coef, klEstimator, klCoef,
                entCoef, failOnNaN, policyLoss, rowNorm);
    }

    /** KL term to the reference policy with the given estimator and coefficient. */
    public PpoConfig withKl(KlEstimator estimator, double coef) {
        return new PpoConfig(aggregation, normConstant, epsLow, epsHigh, dualClip, valueClip, vfCoef, estimator, coef,
                entCoef, failOnNaN, policyLoss, rowNorm);
    }

    public PpoConfig withEntropyBonus(double coef) {
        return new PpoConfig(aggregation, normConstant, epsLow, epsHigh, dualClip, valueClip, vfCoef, klEstimator,
                klCoef, coef, failOnNaN, policyLoss, rowNorm);
    }

    public PpoConfig withFailOnNaN(boolean fail) {
        return new PpoConfig(aggregation, normConstant, epsLow, epsHigh, dualClip, valueClip, vfCoef, klEstimator,
                klCoef, entCoef, fail, policyLoss, rowNorm);
    }

    public PpoConfig withPolicyLoss(PolicyLoss p) {
        return new PpoConfig(aggregation, normConstant, epsLow, epsHigh, dualClip, valueClip, vfCoef, klEstimator,
                klCoef, entCoef, failOnNaN, p, rowNorm);
    }

    /** The row divisor of the SEQ_MEAN_* aggregations (0 = the batch's rows with a valid token). */
    public PpoConfig withRowNorm(double rows) {
        return new PpoConfig(aggregation, normConstant, epsLow, epsHigh, dualClip, valueClip, vfCoef, klEstimator,
                klCoef, entCoef, failOnNaN, policyLoss, rows);
    }

    /** The native options struct; the caller closes it. */
    RlaifNative.PpoOptions toNative() {
        return new RlaifNative.PpoOptions().aggregation(aggregation.code).kl_estimator(klEstimator.code)
                .eps_low(epsLow).eps_high(epsHigh).dual_clip(dualClip).value_clip(valueClip).vf_coef(vfCoef)
                .kl_coef(klCoef).ent_coef(entCoef).norm_constant(normConstant).policy_loss(policyLoss.code)
                .row_norm(rowNorm);
    }

    private static void requirePositive(double v, String name) {
        if (!(Double.isFinite(v) && v > 0.0)) {
            throw new IllegalArgumentException(name + ": expected a finite value > 0, found " + v);
        }
    }

    private static void requireNonNegative(double v, String name) {
        if (!(Double.isFinite(v) && v >= 0.0)) {
            throw new IllegalArgumentException(name + ": expected a finite value >= 0, found " + v);
        }
    }
}
