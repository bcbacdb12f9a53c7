package org.rlaif4j.cai;

/**
 * How the Constitutional AI critique stage runs.
 *
 * @param rounds            critique-then-revision rounds per prompt, 1 to 4
 * @param maxNewTokens      longest initial response and revision
 * @param critiqueMaxTokens longest critique
 * @param seed              with the prompt id, fixes every draw of that prompt (principles and samples), so a
 *                          resumed run writes what an uninterrupted one would
 */
public record CritiqueConfig(int rounds, int maxNewTokens, int critiqueMaxTokens, long seed) {
    public static final int MAX_ROUNDS = 4;

    public CritiqueConfig {
        if (rounds < 1 || rounds > MAX_ROUNDS) {
            throw new IllegalArgumentException("rounds: expected 1.." + MAX_ROUNDS + ", found " + rounds);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens: expected >= 1, found " + maxNewTokens);
        }
        if (critiqueMaxTokens < 1) {
            throw new IllegalArgumentException("critique max tokens: expected >= 1, found " + critiqueMaxTokens);
        }
    }
}
