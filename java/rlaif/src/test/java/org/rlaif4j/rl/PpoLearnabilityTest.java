package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A tiny random policy learns to emit a target character under PPO with a rule-based reward. */
class PpoLearnabilityTest {
    private static double mean(List<IterationStats> s, int from, int to) {
        return s.subList(from, to).stream().mapToDouble(IterationStats::rewardRaw).average().orElseThrow();
    }

    @Test
    void rewardRisesClearlyWithGaeAndStaysNearTheReference() {
        PpoTrainer t = TinyRl.trainer(TinyRl.baseConfig().build(), 5);
        List<IterationStats> stats = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            stats.add(t.iterate());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double first = mean(stats, 0, 5);
        double last = mean(stats, 25, 30);
        System.out.printf("GAE: reward %.3f -> %.3f, kl %.3f, %.1f s%n", first, last, stats.get(29).klPerSequence(), seconds);
        stats.forEach(s -> System.out.printf("  it %d reward %.3f kl %.3f ent %.3f len %.1f ev %.2f%n", s.iteration(),
                s.rewardRaw(), s.klPerSequence(), s.entropy(), s.responseLength(), s.explainedVariance()));
        assertTrue(last > first + 0.3, "mean reward " + first + " -> " + last);
        assertTrue(Double.isFinite(stats.get(29).klPerSequence()));
        assertEquals(30, t.iteration());
    }
}
