package org.rlaif4j.serve;

import java.util.List;
import java.util.Map;

/**
 * One generated choice.
 *
 * @param text             the completion (after the prompt when echoed), cut before a stop string
 * @param finishReason     {@code stop} (a stop token or string) or {@code length}
 * @param promptTokens     tokens of the prompt as the model saw it (BOS included)
 * @param completionTokens tokens generated and kept
 * @param logprobs         per returned token, or null when not asked for
 */
public record Choice(String text, String finishReason, int promptTokens, int completionTokens, Logprobs logprobs) {

    /**
     * The legacy completions {@code logprobs} object, one entry per returned token.
     *
     * @param tokens        each token's text
     * @param tokenLogprobs log-probability of each token given those before it (null for the first prompt token)
     * @param topLogprobs   the most likely tokens at each position with their log-probs, the chosen one included
     *                      (null for the first prompt token)
     * @param textOffset    character offset of each token in the returned text
     */
    public record Logprobs(List<String> tokens, List<Double> tokenLogprobs, List<Map<String, Double>> topLogprobs,
                           List<Integer> textOffset) {
    }
}
