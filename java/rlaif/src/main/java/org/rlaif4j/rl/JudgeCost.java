package org.rlaif4j.rl;

/**
 * What a {@link PairwiseJudgeRewarder} spent: every comparison its schedules asked for is answered
 * by exactly one of the labeler, the cache, or the identical-response rule, so
 * {@code comparisons = labelerCalls + cacheHits + identical}.
 *
 * @param batches      {@link PairwiseJudgeRewarder#score} calls
 * @param comparisons  comparisons the schedules asked for (one per unordered pair of a group)
 * @param labelerCalls pairs sent to the labeler (one label each; the labeler reads both orders itself when its
 *                     position swapping is on, so a local labeler runs two prompts per call)
 * @param cacheHits    comparisons answered from the cache, or by a pair with the same texts already sent in the
 *                     same batch
 * @param identical    comparisons of two identical responses, answered 0.5 without the labeler
 */
public record JudgeCost(long batches, long comparisons, long labelerCalls, long cacheHits, long identical) {
    public static final JudgeCost ZERO = new JudgeCost(0, 0, 0, 0, 0);

    public JudgeCost {
        if (batches < 0 || comparisons < 0 || labelerCalls < 0 || cacheHits < 0 || identical < 0) {
            throw new IllegalArgumentException("cost counts: expected >= 0, found batches " + batches + ", comparisons "
                    + comparisons + ", labelerCalls " + labelerCalls + ", cacheHits " + cacheHits + ", identical " + identical);
        }
    }

    /** The cost between an earlier reading and this one (for example one PPO iteration's). */
    public JudgeCost minus(JudgeCost earlier) {
        return new JudgeCost(batches - earlier.batches, comparisons - earlier.comparisons,
                labelerCalls - earlier.labelerCalls, cacheHits - earlier.cacheHits, identical - earlier.identical);
    }

    public JudgeCost plus(JudgeCost other) {
        return new JudgeCost(batches + other.batches, comparisons + other.comparisons,
                labelerCalls + other.labelerCalls, cacheHits + other.cacheHits, identical + other.identical);
    }

    /** Share of the comparisons answered without the labeler (cache or identical responses); 0 when there were none. */
    public double savedShare() {
        return comparisons == 0 ? 0 : (cacheHits + identical) / (double) comparisons;
    }
}
