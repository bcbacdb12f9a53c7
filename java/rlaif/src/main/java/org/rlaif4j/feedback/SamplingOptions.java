package org.rlaif4j.feedback;

/**
 * How {@link ResponseSampler} draws responses.
 *
 * @param responsesPerPrompt N responses per prompt (at least 2: every two of them make a pair)
 * @param seed               with the prompt id, seeds each prompt's draw, so a resumed run redraws the same responses
 * @param tooLong            a prompt that leaves no room for {@code maxNewTokens}: fail, or keep its last tokens
 */
public record SamplingOptions(int responsesPerPrompt, int maxNewTokens, double temperature, int topK, double topP,
                              long seed, TooLongPolicy tooLong) {
    public SamplingOptions {
        if (responsesPerPrompt < 2) {
            throw new IllegalArgumentException("responses per prompt: expected >= 2, found " + responsesPerPrompt);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens: expected >= 1, found " + maxNewTokens);
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature: expected > 0, found " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k: expected >= 0 (0 = off), found " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p: expected a value in (0, 1], found " + topP);
        }
        if (tooLong == null) {
            throw new IllegalArgumentException("tooLong: expected FAIL or TRUNCATE, found null");
        }
    }
}
