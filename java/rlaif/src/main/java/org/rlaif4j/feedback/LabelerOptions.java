package org.rlaif4j.feedback;

/**
 * How a labeler reads preferences.
 *
 * @param swapOrders     read both orders and average (position-swap debiasing); on by default
 * @param chainOfThought generate a greedy rationale first, then read the label after it
 * @param cotMaxTokens   at most this many rationale tokens
 * @param tooLong        what to do with a prompt longer than the labeler's context
 */
public record LabelerOptions(boolean swapOrders, boolean chainOfThought, int cotMaxTokens, TooLongPolicy tooLong) {
    public LabelerOptions {
        if (cotMaxTokens < 1) {
            throw new IllegalArgumentException("cotMaxTokens: expected >= 1, found " + cotMaxTokens);
        }
        if (tooLong == null) {
            throw new IllegalArgumentException("tooLong: expected FAIL or TRUNCATE, found null");
        }
    }

    /** Both orders, no chain of thought, 128 rationale tokens if it is turned on, fail on prompts too long. */
    public static LabelerOptions defaults() {
        return new LabelerOptions(true, false, 128, TooLongPolicy.FAIL);
    }

    public LabelerOptions withChainOfThought(boolean on, int maxTokens) {
        return new LabelerOptions(swapOrders, on, maxTokens, tooLong);
    }

    public LabelerOptions withSwapOrders(boolean on) {
        return new LabelerOptions(on, chainOfThought, cotMaxTokens, tooLong);
    }

    public LabelerOptions withTooLong(TooLongPolicy policy) {
        return new LabelerOptions(swapOrders, chainOfThought, cotMaxTokens, policy);
    }
}
