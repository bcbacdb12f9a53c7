package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A tiny random policy learns to emit a target character under each advantage mode, with a
 * rule-based reward (the fraction of target characters), while the KL to the reference stays bounded.
 */
class PpoLearnabilityTest {
    /** A policy that always emits the target has KL 8 * log(12) = 19.9 nats per sequence to the uniform-ish start. */
    private static final double KL_BOUND = 14.0;

    static Stream<Arguments> modes() {
        PpoTrainingConfig.Builder base = TinyRl.baseConfig().kl(org.rlaif4j.kernels.PpoConfig.KlEstimator.K1, 0.05);
        return Stream.of(
                Arguments.of("gae, separate value model", base.build()),
                Arguments.of("gae, shared backbone", base.build().toBuilder().valueMode(ValueMode.SHARED).build()),
                Arguments.of("rloo", base.build().toBuilder().rollout(4, 4, 8).advantageMode(AdvantageMode.RLOO).build()),
                Arguments.of("grpo", base.build().toBuilder().rollout(4, 4, 8).advantageMode(AdvantageMode.GRPO)
                        .kl(org.rlaif4j.kernels.PpoConfig.KlEstimator.K3, 0.2).build()));
    }

    private static double mean(List<IterationStats> s, int from, int to) {
        return s.subList(from, to).stream().mapToDouble(IterationStats::rewardRaw).average().orElseThrow();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void rewardRisesClearlyAndKlStaysBounded(String name, PpoTrainingConfig cfg) {
        PpoTrainer t = TinyRl.trainer(cfg, 5);
        List<IterationStats> stats = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            stats.add(t.iterate());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double first = mean(stats, 0, 5);
        double last = mean(stats, 25, 30);
        double maxKl = stats.stream().mapToDouble(IterationStats::klPerSequence).max().orElseThrow();
        System.out.printf("%s: reward %.3f -> %.3f, max kl/seq %.2f, last kl %.2f, beta %.3f, final entropy %.2f, %.1f s%n",
                name, first, last, maxKl, stats.get(29).klPerSequence(), stats.get(29).klCoef(), stats.get(29).entropy(),
                seconds);
        assertTrue(last > first + 0.3, name + ": mean reward " + first + " -> " + last);
        assertTrue(maxKl < KL_BOUND, name + ": KL per sequence reached " + maxKl);
        assertTrue(stats.stream().allMatch(s -> Double.isFinite(s.policyLoss())), name + ": finite losses");
        assertEquals(30, t.iteration());
    }
}
