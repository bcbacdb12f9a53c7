package org.rlaif4j.reward;

/** What to do when prompt + response is longer than the model's context. */
public enum TruncationPolicy {
    /** Stop with an error naming the example and the lengths (the default: nothing silently changed). */
    FAIL,
    /**
     * Drop prompt tokens from the left, keeping the end of the prompt and the whole response (the
     * part the reward is about); a response that alone exceeds the context is still an error.
     */
    LEFT
}
