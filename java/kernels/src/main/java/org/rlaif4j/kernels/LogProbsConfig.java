package org.rlaif4j.kernels;

/**
 * Options of {@link LogProbs}.
 *
 * @param temperature logits are divided by it before the softmax; finite and > 0
 * @param entropy whether to also return the per-token entropy of the tempered distribution
 * @param ignoreIndex target value that marks a token to skip (as in cross-entropy); -100 by default
 * @param topK how many of each row's largest log-probs (and their token ids) to return; 0 for none
 */
public record LogProbsConfig(double temperature, boolean entropy, long ignoreIndex, int topK) {
    /** Temperature 1, no entropy, ignore index -100, no top-k. */
    public static final LogProbsConfig DEFAULT = new LogProbsConfig(1.0, false, -100, 0);

    public LogProbsConfig {
        if (!(temperature > 0.0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature: expected a finite value > 0, found " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK: expected a value >= 0, found " + topK);
        }
    }

    public LogProbsConfig withTemperature(double t) {
        return new LogProbsConfig(t, entropy, ignoreIndex, topK);
    }

    public LogProbsConfig withEntropy(boolean e) {
        return new LogProbsConfig(temperature, e, ignoreIndex, topK);
    }

    public LogProbsConfig withIgnoreIndex(long i) {
        return new LogProbsConfig(temperature, entropy, i, topK);
    }

    public LogProbsConfig withTopK(int k) {
        return new LogProbsConfig(temperature, entropy, ignoreIndex, k);
    }
}
