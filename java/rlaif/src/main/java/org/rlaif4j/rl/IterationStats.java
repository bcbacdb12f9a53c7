package org.rlaif4j.rl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one PPO iteration did. Means are over the iteration's rows (rewards, lengths, KL per
 * sequence) or tokens (entropy); update statistics are means over the minibatches that ran.
 *
 * @param iteration          1-based number of the iteration just finished
 * @param rewardRaw          mean reward from the rewarder (plus the overlong penalty when that is on)
 * @param rewardShaped       mean reward after the missing-stop penalty, normalisation and clipping
 * @param klPerSequence      mean over rows of the summed per-token KL estimate to the reference
 * @param klCoef             beta used in this iteration (before the controller's update)
 * @param entropy            mean per-token entropy of the sampling policy
 * @param responseLength     mean response tokens
 * @param truncatedFraction  rows that hit maxNewTokens without a stop token
 * @param policyLoss         clipped surrogate loss
 * @param valueLoss          value loss (0 without a critic)
 * @param clipFraction       tokens where the ratio clip binds (low + high)
 * @param approxKl           mean 0.5 * logratio^2 between the updated and the sampling policy
 * @param ratioMean          mean probability ratio
 * @param gradNorm           global gradient norm before clipping
 * @param explainedVariance  1 - Var(returns - values) / Var(returns) over valid tokens (NaN without a critic)
 * @param minibatches        optimizer steps taken
 * @param skippedMinibatches minibatches skipped for a NaN or infinite loss or gradient
 * @param earlyStopped       the approx-KL bound stopped the updates before all epochs ran
 * @param generationSeconds, scoringSeconds, trainingSeconds  wall time of the three phases
 * @param generatedTokens    response tokens sampled
 * @param sequenceTokens     tokens per pass over the batch (rows * (prompt + response columns))
 * @param trainedTokens      sequence tokens pushed through forward and backward in the update
 * @param samplingRounds     rollout rounds sampled (more than 1 only with dynamic sampling)
 * @param uniformGroups      groups of the batch whose rewards are all equal (zero advantage; group modes only)
 * @param extraMetrics       the rewarder's counters ({@link SequenceRewarder#metrics()}) and the behaviour-policy
 *                           correction's statistics (sampler_logp_gap, tis_weight_mean, tis_capped_fraction)
 * @param samples            the iteration's completions with their rewards (for sample logs)
 */
public record IterationStats(int iteration, double rewardRaw, double rewardShaped, double klPerSequence,
        double klCoef, double entropy, double responseLength, double truncatedFraction, double policyLoss,
        double valueLoss, double clipFraction, double approxKl, double ratioMean, double gradNorm,
        double explainedVariance, int minibatches, int skippedMinibatches, boolean earlyStopped, double generationSeconds,
        double scoringSeconds, double trainingSeconds, long generatedTokens, long sequenceTokens, long trainedTokens,
        int samplingRounds, int uniformGroups, Map<String, Number> extraMetrics, List<Scored> samples) {

    public IterationStats {
        extraMetrics = Map.copyOf(extraMetrics);
        samples = List.copyOf(samples);
    }

    /** A completion and its raw reward. */
    public record Scored(Completion completion, float reward) {}

    /** The metrics row written to metrics.jsonl (samples left out). */
    public Map<String, Number> toMetrics() {
        Map<String, Number> m = new LinkedHashMap<>();
        m.put("iteration", iteration);
        m.put("reward", rewardRaw);
        m.put("reward_shaped", rewardShaped);
        m.put("kl", klPerSequence);
        m.put("kl_coef", klCoef);
        m.put("entropy", entropy);
        m.put("response_length", responseLength);
        m.put("truncated_fraction", truncatedFraction);
        m.put("policy_loss", policyLoss);
        m.put("value_loss", valueLoss);
        m.put("clipfrac", clipFraction);
        m.put("approx_kl", approxKl);
        m.put("ratio_mean", ratioMean);
        m.put("grad_norm", gradNorm);
        m.put("explained_variance", explainedVariance);
        m.put("minibatches", minibatches);
        m.put("skipped_minibatches", skippedMinibatches);
        m.put("early_stopped", earlyStopped ? 1 : 0);
        m.put("generation_tokens_per_s", generatedTokens / generationSeconds);
        m.put("scoring_tokens_per_s", sequenceTokens / scoringSeconds);
        m.put("training_tokens_per_s", trainedTokens / trainingSeconds);
        m.put("generation_s", generationSeconds);
        m.put("scoring_s", scoringSeconds);
        m.put("training_s", trainingSeconds);
        m.put("sampling_rounds", samplingRounds);
        m.put("uniform_groups", uniformGroups);
        extraMetrics.forEach(m::put);
        m.put("rss_mb", org.bytedeco.javacpp.Pointer.physicalBytes() / 1048576.0);
        return m;
    }
}
