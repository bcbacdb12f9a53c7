package org.rlaif4j.rl;

/**
 * A prompt and one sampled response, as text and as the policy's token ids, for a
 * {@link SequenceRewarder} to score. Token ids exclude padding; the response ids include the stop
 * token when one was emitted ({@code truncated} = false).
 *
 * @param truncated the response reached the token budget without a stop token
 */
public record Completion(String prompt, String response, long[] promptIds, long[] responseIds, boolean truncated) {}
