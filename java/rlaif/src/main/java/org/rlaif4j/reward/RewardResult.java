package org.rlaif4j.reward;

import java.nio.file.Path;

/**
 * What a reward-model training run produced.
 *
 * @param modelDir         the saved reward model (Hugging Face folder)
 * @param init             "causal-lm" (fresh head) or "reward-model" (fine-tuned)
 * @param steps            optimizer steps in total (including those of a resumed run)
 * @param resumedFromStep  the checkpoint step this process started from (0 for a fresh run)
 * @param trainPairs       training pairs; @param evalPairs held-out pairs
 * @param skippedLines     bad lines skipped under {@code --bad-lines skip}
 * @param eval             metrics on the held-out pairs at the end, or null without an eval split
 * @param finalLoss        training loss of the last step
 * @param ranks            processes that trained it (1 unless data-parallel)
 * @param maxDriftFromRankZero largest |difference| between this rank's parameters and rank 0's at the end (0 when in sync)
 * @param pairsPerSecond   training throughput of this process's steps, all ranks' pairs counted (evaluation excluded); NaN with no step
 */
public record RewardResult(Path modelDir, String init, long steps, long resumedFromStep, int trainPairs, int evalPairs,
                           int skippedLines, PairwiseMetrics eval, double finalLoss, int ranks,
                           double maxDriftFromRankZero, double pairsPerSecond) {
}
