package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class HackingSignsTest {
    private static IterationStats stats(int it, double reward, double kl, double length) {
        return new IterationStats(it, reward, reward, kl, 0.05, 1, length, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, false, 1, 1, 1, 1, 1, 1, 1, 0, java.util.Map.of(),
                List.of());
    }

    @Test
    void warnsWhenRewardRisesWithExplodingKlOrCollapsingLength() {
        IterationStats first = stats(1, 0.1, 0.0, 30);
        assertEquals(List.of(), HackingSigns.DEFAULT.check(first, stats(5, 0.5, 5, 28)), "healthy progress");
        List<String> kl = HackingSigns.DEFAULT.check(first, stats(6, 0.9, 25, 29));
        assertEquals(1, kl.size());
        assertTrue(kl.get(0).contains("iteration 6") && kl.get(0).contains("25.00 nats"), kl.get(0));
        List<String> both = HackingSigns.DEFAULT.check(first, stats(7, 0.9, 25, 4));
        assertEquals(2, both.size());
        assertTrue(both.get(1).contains("30.0 -> 4.0 tokens"), both.get(1));
        assertEquals(List.of(), HackingSigns.DEFAULT.check(first, stats(8, 0.05, 25, 4)), "no warning while reward does not rise");
    }
}
