package org.rlaif4j.rl;

import java.util.List;
import java.util.Map;

/**
 * The reward source of PPO: one scalar per whole sequence, given at the response's last token.
 * Implementations: {@link RewardModelRewarder} (a trained reward model, canonical RLAIF); an AI
 * labeler's direct score (direct RLAIF); rule-based rewards in tests and demos.
 */
@FunctionalInterface
public interface SequenceRewarder {
    /**
     * Scores a batch.
     *
     * @return one finite reward per completion, in the same order
     */
    float[] score(List<Completion> batch);

    /**
     * Counters since the last call that the trainer logs with each iteration (for example an AI
     * judge's comparisons and cache hits); empty by default.
     */
    default Map<String, Number> metrics() {
        return Map.of();
    }
}
