package org.rlaif4j.kernels;

import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * Statistics of one {@link PpoLoss} call, from the same pass as the loss.
 *
 * <p>The loss terms use the configured aggregation and are 0 for a part that is off. The
 * diagnostics are means over all valid tokens (NaN when there is none) and use the logratio after
 * its clamp to +-20.
 *
 * @param loss {@code policyLoss + vfCoef * valueLoss + klCoef * klLoss - entCoef * entropy}
 * @param policyLoss the clipped surrogate term
 * @param valueLoss the value term, including its factor 0.5
 * @param klLoss the KL-to-reference term (before klCoef)
 * @param entropy the aggregated entropy (before entCoef)
 * @param clipFracLow fraction of tokens with A < 0 and ratio < 1 - epsLow (clip binds below)
 * @param clipFracHigh fraction of tokens with A > 0 and ratio > 1 + epsHigh (clip binds above)
 * @param dualClipFrac fraction of tokens where the dual clip binds
 * @param valueClipFrac fraction of tokens where the clipped value loss is strictly larger
 * @param approxKl mean of 0.5 * logratio^2, an estimate of KL(old || new)
 * @param approxKlK3 mean of (ratio - 1) - logratio, the k3 estimate of KL(old || new)
 * @param ratioMean mean ratio
 * @param ratioMin smallest ratio
 * @param ratioMax largest ratio
 * @param validTokens number of valid tokens
 * @param validRows number of rows with at least one valid token
 * @param nanTokens valid tokens with a NaN in any input (0 unless failOnNaN is off)
 */
public record PpoStats(double loss, double policyLoss, double valueLoss, double klLoss, double entropy,
        double clipFracLow, double clipFracHigh, double dualClipFrac, double valueClipFrac, double approxKl,
        double approxKlK3, double ratioMean, double ratioMin, double ratioMax, long validTokens, long validRows,
        long nanTokens) {

    /** From the native stats array, indexed by {@code RLAIF_PPO_STAT_*}. */
    static PpoStats fromNative(double[] s) {
        return new PpoStats(s[RlaifNative.RLAIF_PPO_STAT_LOSS], s[RlaifNative.RLAIF_PPO_STAT_POLICY_LOSS],
                s[RlaifNative.RLAIF_PPO_STAT_VALUE_LOSS], s[RlaifNative.RLAIF_PPO_STAT_KL_LOSS],
                s[RlaifNative.RLAIF_PPO_STAT_ENTROPY], s[RlaifNative.RLAIF_PPO_STAT_CLIPFRAC_LOW],
                s[RlaifNative.RLAIF_PPO_STAT_CLIPFRAC_HIGH], s[RlaifNative.RLAIF_PPO_STAT_DUAL_CLIPFRAC],
                s[RlaifNative.RLAIF_PPO_STAT_VALUE_CLIPFRAC], s[RlaifNative.RLAIF_PPO_STAT_APPROX_KL],
                s[RlaifNative.RLAIF_PPO_STAT_APPROX_KL_K3], s[RlaifNative.RLAIF_PPO_STAT_RATIO_MEAN],
                s[RlaifNative.RLAIF_PPO_STAT_RATIO_MIN], s[RlaifNative.RLAIF_PPO_STAT_RATIO_MAX],
                (long) s[RlaifNative.RLAIF_PPO_STAT_VALID_TOKENS], (long) s[RlaifNative.RLAIF_PPO_STAT_VALID_ROWS],
                (long) s[RlaifNative.RLAIF_PPO_STAT_NAN_TOKENS]);
    }
}
