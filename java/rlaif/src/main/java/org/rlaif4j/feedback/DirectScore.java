package org.rlaif4j.feedback;

import java.util.Arrays;

/**
 * A direct-RLAIF score of one response.
 *
 * @param reward        the expected score scaled to [-1, 1]: the reward used directly by PPO
 * @param expected      the expected score in [1, n]
 * @param probabilities probability of each score token, normalised over the score tokens
 */
public record DirectScore(double reward, double expected, double[] probabilities) {
    public DirectScore {
        probabilities = probabilities.clone();
    }

    @Override
    public double[] probabilities() {
        return probabilities.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirectScore d && Double.compare(reward, d.reward) == 0
                && Double.compare(expected, d.expected) == 0 && Arrays.equals(probabilities, d.probabilities);
    }

    @Override
    public int hashCode() {
        return Double.hashCode(reward) * 31 + Arrays.hashCode(probabilities);
    }

    @Override
    public String toString() {
        return "DirectScore[reward=" + reward + ", expected=" + expected + ", probabilities="
                + Arrays.toString(probabilities) + "]";
    }
}
