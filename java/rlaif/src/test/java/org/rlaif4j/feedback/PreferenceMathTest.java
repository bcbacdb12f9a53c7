package org.rlaif4j.feedback;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PreferenceMathTest {
    @Test
    void firstOfTwoIsTheSoftmaxOfTheTwoLabelTokens() {
        assertEquals(0.5, PreferenceMath.firstOfTwo(-3, -3), 1e-15);
        // exp(-1) / (exp(-1) + exp(-2))
        assertEquals(Math.exp(-1) / (Math.exp(-1) + Math.exp(-2)), PreferenceMath.firstOfTwo(-1, -2), 1e-15);
        // log-probs far below exp's range still give a probability
        assertEquals(1 / (1 + Math.exp(-2)), PreferenceMath.firstOfTwo(-1000, -1002), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> PreferenceMath.firstOfTwo(Double.NaN, -1));
    }

    @Test
    void debiasingAveragesPOneGivenAbAndPTwoGivenBa() {
        // a labeler that always says "1" with 0.9 is pure position bias: P(2|B,A) = 0.1, the label is 0.5
        assertEquals(0.5, PreferenceMath.debiased(0.9, 0.1), 1e-15);
        // P(1|A,B) = 0.8, P(1|B,A) = 0.3 -> P(2|B,A) = 0.7 -> p_a = 0.75
        assertEquals(0.75, PreferenceMath.debiased(0.8, 0.7), 1e-15);
        assertEquals(0.6, PreferenceMath.confidence(0.4), 1e-15);
    }

    @Test
    void directScoreMatchesAFloat64Reference() {
        Random rng = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            int n = 2 + rng.nextInt(9);
            double[] lp = new double[n];
            for (int i = 0; i < n; i++) {
                lp[i] = -rng.nextDouble() * 8 - (trial % 2 == 0 ? 0 : 700); // the second half would underflow naively
            }
            DirectScore s = PreferenceMath.directScore(lp);
            // reference: shift by a constant, normalise, expectation, scale [1, n] -> [-1, 1]
            double shift = trial % 2 == 0 ? 0 : 700;
            double z = 0;
            for (double v : lp) {
                z += Math.exp(v + shift);
            }
            double e = 0;
            for (int i = 0; i < n; i++) {
                double p = Math.exp(lp[i] + shift) / z;
                assertEquals(p, s.probabilities()[i], 1e-12);
                e += p * (i + 1);
            }
            assertEquals(e, s.expected(), 1e-12);
            assertEquals((e - 1) / (n - 1) * 2 - 1, s.reward(), 1e-12);
        }
        // certainty at the ends maps to the ends of [-1, 1]
        double[] top = new double[10];
        java.util.Arrays.fill(top, -1e4);
        top[9] = 0;
        assertEquals(1.0, PreferenceMath.directScore(top).reward(), 1e-12);
        top[9] = -1e4;
        top[0] = 0;
        assertEquals(-1.0, PreferenceMath.directScore(top).reward(), 1e-12);
    }
}
