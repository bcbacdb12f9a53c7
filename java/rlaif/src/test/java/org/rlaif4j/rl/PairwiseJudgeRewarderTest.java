package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToDoubleBiFunction;
import org.junit.jupiter.api.Test;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.feedback.DirectScore;
import org.rlaif4j.feedback.Labeler;
import org.rlaif4j.feedback.LabelerOptions;
import org.rlaif4j.feedback.PreferenceLabel;
import org.rlaif4j.feedback.ResponseToScore;
import org.rlaif4j.rl.PairwiseJudgeConfig.RewardType;

class PairwiseJudgeRewarderTest {
    /** A labeler whose preference is a known function of the two responses; it records every pair it is asked. */
    static class FakeLabeler implements Labeler {
        final ToDoubleBiFunction<String, String> pA;
        final List<PairRecord> asked = new ArrayList<>();
        int labelCalls;

        FakeLabeler(ToDoubleBiFunction<String, String> pA) {
            this.pA = pA;
        }

        /** P(a beats b) = σ(s_a - s_b) with the hidden strength of each response text. */
        static FakeLabeler logistic(Map<String, Double> strength) {
            return new FakeLabeler((a, b) -> PairwiseRewards.sigmoid(strength.get(a) - strength.get(b)));
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public Constitution constitution() {
            return null;
        }

        @Override
        public LabelerOptions options() {
            return LabelerOptions.defaults();
        }

        @Override
        public List<PreferenceLabel> label(List<PairRecord> pairs) {
            labelCalls++;
            List<PreferenceLabel> out = new ArrayList<>();
            for (PairRecord p : pairs) {
                asked.add(p);
                double v = pA.applyAsDouble(p.responseA(), p.responseB());
                out.add(new PreferenceLabel(v, v, v, List.of(), null, null, false));
            }
            return out;
        }

        @Override
        public List<DirectScore> score(List<ResponseToScore> responses) {
            throw new UnsupportedOperationException();
        }
    }

    static List<Completion> group(String prompt, String... responses) {
        List<Completion> out = new ArrayList<>();
        for (String r : responses) {
            out.add(new Completion(prompt, r, new long[0], new long[0], false));
        }
        return out;
    }

    static Map<String, Double> strengths(double... s) {
        Map<String, Double> m = new HashMap<>();
        for (int i = 0; i < s.length; i++) {
            m.put("r" + i, s[i]);
        }
        return m;
    }

    static String[] names(int k) {
        String[] n = new String[k];
        for (int i = 0; i < k; i++) {
            n[i] = "r" + i;
        }
        return n;
    }

    @Test
    void bradleyTerryRecoversTheHiddenStrengths() {
        double[] s = {-1.5, 0.3, 2.0, -0.2, 0.9, -2.1, 1.2, 0.0};
        FakeLabeler fake = FakeLabeler.logistic(strengths(s));
        PairwiseJudgeConfig cfg = PairwiseJudgeConfig.builder(8).ridge(1e-9).build();
        float[] r = new PairwiseJudgeRewarder(fake, cfg).score(group("q", names(8)));
        for (int i = 0; i < 8; i++) {
            // exact soft outcomes σ(s_i - s_j): the unpenalised maximum is θ = s (up to a shift)
            assertEquals(s[i] - s[0], r[i] - r[0], 1e-4, "sample " + i);
        }
        assertEquals(0, sum(r), 1e-5, "centred");

        // the default ridge shrinks a little but keeps the order
        float[] d = new PairwiseJudgeRewarder(FakeLabeler.logistic(strengths(s)), PairwiseJudgeConfig.builder(8).build())
                .score(group("q", names(8)));
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++) {
                assertEquals(Double.compare(s[i], s[j]), Float.compare(d[i], d[j]), i + " vs " + j);
            }
            assertEquals(s[i] - s[0], d[i] - d[0], 0.05 * Math.abs(s[i] - s[0]) + 1e-6, "shrunk, sample " + i);
            assertTrue(Math.abs(d[i] - d[0]) <= Math.abs(s[i] - s[0]) + 1e-6, "shrinks towards 0, sample " + i);
        }
    }

    @Test
    void bradleyTerryWithNoisyLabelsAndManyComparisonsIsClose() {
        int k = 40;
        Random rng = new Random(5);
        double[] s = new double[k];
        for (int i = 0; i < k; i++) {
            s[i] = rng.nextGaussian();
        }
        Map<String, Double> noise = new HashMap<>();
        FakeLabeler fake = new FakeLabeler((a, b) -> {
            double e = noise.computeIfAbsent(a + "|" + b, x -> 0.3 * rng.nextGaussian());
            int i = Integer.parseInt(a.substring(1));
            int j = Integer.parseInt(b.substring(1));
            return PairwiseRewards.sigmoid(s[i] - s[j] + e);
        });
        float[] r = new PairwiseJudgeRewarder(fake, PairwiseJudgeConfig.builder(k).ridge(1e-6).build())
                .score(group("q", names(k)));
        double meanS = 0;
        for (double v : s) {
            meanS += v / k;
        }
        double worst = 0;
        double meanAbs = 0;
        for (int i = 0; i < k; i++) {
            double err = Math.abs(r[i] - (s[i] - meanS));
            worst = Math.max(worst, err);
            meanAbs += err / k;
        }
        assertTrue(worst < 0.2, "largest error of a centred log-strength: " + worst);
        assertTrue(meanAbs < 0.08, "mean error of a centred log-strength: " + meanAbs);
        assertEquals(k * (k - 1) / 2, fake.asked.size());
    }

    @Test
    void roundRobinBradleyTerryRecoversStrengthsFromFewerComparisons() {
        int k = 16;
        double[] s = new double[k];
        for (int i = 0; i < k; i++) {
            s[i] = Math.sin(3.0 * i) * 2;
        }
        FakeLabeler fake = FakeLabeler.logistic(strengths(s));
        float[] r = new PairwiseJudgeRewarder(fake, PairwiseJudgeConfig.builder(k).roundRobin(4).ridge(1e-9).seed(3).build())
                .score(group("q", names(k)));
        assertEquals(k * 4 / 2, fake.asked.size());
        for (int i = 0; i < k; i++) {
            assertEquals(s[i] - s[0], r[i] - r[0], 1e-4, "sample " + i);
        }
    }

    @Test
    void winRateMatchesTheHandComputedValue() {
        Map<String, Double> p = Map.of("a|b", 0.7, "a|c", 0.2, "b|c", 0.9);
        FakeLabeler fake = new FakeLabeler((x, y) -> p.get(x + "|" + y));
        PairwiseJudgeConfig cfg = PairwiseJudgeConfig.builder(3).rewardType(RewardType.WIN_RATE).build();
        float[] r = new PairwiseJudgeRewarder(fake, cfg).score(group("q", "a", "b", "c"));
        // a beats b 0.7, c 0.8 (1 - 0.2)... as i: a 0.7 and 0.2; b 0.3 and 0.9; c 0.8 and 0.1
        assertEquals((float) (2 * ((0.7 + 0.2) / 2) - 1), r[0]);
        assertEquals((float) (2 * ((0.3 + 0.9) / 2) - 1), r[1]);
        assertEquals((float) (2 * ((0.8 + 0.1) / 2) - 1), r[2]);
        assertEquals(-0.1, r[0], 1e-6);
        assertEquals(0.2, r[1], 1e-6);
        assertEquals(-0.1, r[2], 1e-6);
    }

    @Test
    void permutingTheGroupPermutesTheRewards() {
        double[] s = {0.4, -1.0, 1.7, 0.1, -0.3};
        int[] perm = {3, 0, 4, 2, 1};
        for (RewardType t : RewardType.values()) {
            PairwiseJudgeConfig cfg = PairwiseJudgeConfig.builder(5).rewardType(t).build();
            FakeLabeler fake = FakeLabeler.logistic(strengths(s));
            float[] r = new PairwiseJudgeRewarder(fake, cfg).score(group("q", names(5)));
            String[] shuffled = new String[5];
            for (int i = 0; i < 5; i++) {
                shuffled[i] = "r" + perm[i];
            }
            FakeLabeler fake2 = FakeLabeler.logistic(strengths(s));
            float[] rp = new PairwiseJudgeRewarder(fake2, cfg).score(group("q", shuffled));
            for (int i = 0; i < 5; i++) {
                assertEquals(r[perm[i]], rp[i], 1e-6, t + " row " + i);
            }
            // asked in one canonical order whatever the group order, so the same pairs reach the labeler
            assertEquals(new java.util.HashSet<>(fake.asked), new java.util.HashSet<>(fake2.asked), t.toString());
            assertEquals(fake.asked.size(), fake2.asked.size());
            assertTrue(r[2] > r[0] && r[0] > r[3] && r[3] > r[4] && r[4] > r[1], t + " " + java.util.Arrays.toString(r));
        }
    }

    @Test
    void identicalResponsesTieAtOneHalfWithoutTheLabeler() {
        FakeLabeler fake = FakeLabeler.logistic(Map.of("x", 0.5, "y", -1.0, "z", 1.0));
        for (RewardType t : RewardType.values()) {
            fake.asked.clear();
            PairwiseJudgeRewarder rw = new PairwiseJudgeRewarder(fake,
                    PairwiseJudgeConfig.builder(4).rewardType(t).build());
            float[] r = rw.score(group("q", "x", "x", "y", "z"));
            assertEquals(r[0], r[1], 1e-6, t.toString());
            assertEquals(3, fake.asked.size(), "x-y, x-z, y-z once each: " + fake.asked);
            for (PairRecord p : fake.asked) {
                assertNotEquals(p.responseA(), p.responseB());
            }
            assertEquals(new JudgeCost(1, 6, 3, 2, 1), rw.cost(), t.toString());
            // a group of one response repeated: all ties, all rewards 0, no labeler call
            float[] same = rw.score(group("q", "x", "x", "x", "x"));
            assertArrayEquals(new float[4], same, 1e-7f);
            assertEquals(new JudgeCost(1, 6, 0, 0, 6), rw.lastCost());
            assertEquals(3, fake.asked.size());
        }
    }

    @Test
    void cacheAnswersRepeatsInEitherOrderAndCountsHits() {
        FakeLabeler fake = FakeLabeler.logistic(strengths(0.0, 1.0, -0.5));
        PairwiseJudgeRewarder rw = new PairwiseJudgeRewarder(fake,
                PairwiseJudgeConfig.builder(2).rewardType(RewardType.WIN_RATE).build());
        float[] first = rw.score(group("q", "r0", "r1"));
        assertEquals(new JudgeCost(1, 1, 1, 0, 0), rw.lastCost());
        float[] swapped = rw.score(group("q", "r1", "r0"));
        assertEquals(new JudgeCost(1, 1, 0, 1, 0), rw.lastCost(), "(b, a) reuses (a, b)");
        assertEquals(first[0], swapped[1]);
        assertEquals(first[1], swapped[0]);
        assertEquals((float) (2 * PairwiseRewards.sigmoid(-1.0) - 1), first[0]);
        // another prompt is another comparison
        rw.score(group("other", "r0", "r1"));
        assertEquals(1, rw.lastCost().labelerCalls());
        // two groups of one batch with the same texts: one call, one hit
        rw.score(concat(group("q", "r0", "r2"), group("q", "r2", "r0")));
        assertEquals(new JudgeCost(1, 2, 1, 1, 0), rw.lastCost());
        assertEquals(new JudgeCost(4, 5, 3, 2, 0), rw.cost());
        assertEquals(3, fake.asked.size());
        assertEquals(3, rw.cacheSize());
        assertEquals(new JudgeCost(3, 4, 2, 1, 0), rw.cost().minus(new JudgeCost(1, 1, 1, 1, 0)));
        assertEquals(0.4, rw.cost().savedShare(), 1e-12);
    }

    @Test
    void cacheIsBoundedAndDropsTheLeastRecentlyUsed() {
        FakeLabeler fake = FakeLabeler.logistic(strengths(0.0, 1.0, 2.0, 3.0));
        PairwiseJudgeRewarder rw = new PairwiseJudgeRewarder(fake, PairwiseJudgeConfig.builder(2).cacheCapacity(2).build());
        rw.score(group("q", "r0", "r1"));
        rw.score(group("q", "r0", "r2"));
        rw.score(group("q", "r0", "r1")); // hit: r0-r1 is now the most recent
        assertEquals(1, rw.lastCost().cacheHits());
        rw.score(group("q", "r0", "r3")); // evicts r0-r2
        assertEquals(2, rw.cacheSize());
        rw.score(group("q", "r0", "r1"));
        assertEquals(1, rw.lastCost().cacheHits(), "r0-r1 kept");
        rw.score(group("q", "r0", "r2"));
        assertEquals(1, rw.lastCost().labelerCalls(), "r0-r2 dropped");

        PairwiseJudgeRewarder none = new PairwiseJudgeRewarder(fake, PairwiseJudgeConfig.builder(2).cacheCapacity(0).build());
        none.score(group("q", "r0", "r1"));
        none.score(group("q", "r0", "r1"));
        assertEquals(new JudgeCost(2, 2, 2, 0, 0), none.cost());
        assertEquals(0, none.cacheSize());
    }

    @Test
    void roundRobinIsSeededReproducibleAndGivesEachSampleMOpponents() {
        int k = 8;
        int m = 3;
        List<List<PairRecord>> runs = new ArrayList<>();
        for (long seed : new long[] {11, 11, 12}) {
            FakeLabeler fake = FakeLabeler.logistic(strengths(0, 1, 2, 3, 4, 5, 6, 7));
            PairwiseJudgeRewarder rw = new PairwiseJudgeRewarder(fake,
                    PairwiseJudgeConfig.builder(k).roundRobin(m).seed(seed).cacheCapacity(0).build());
            List<List<String>> perCall = new ArrayList<>();
            for (int call = 0; call < 3; call++) {
                int before = fake.asked.size();
                rw.score(group("q", names(k)));
                assertEquals(k * m / 2, fake.asked.size() - before, "pairs per group");
                assertEquals(new JudgeCost(1, k * m / 2, k * m / 2, 0, 0), rw.lastCost());
                int[] degree = new int[k];
                List<String> keys = new ArrayList<>();
                for (PairRecord p : fake.asked.subList(before, fake.asked.size())) {
                    degree[Integer.parseInt(p.responseA().substring(1))]++;
                    degree[Integer.parseInt(p.responseB().substring(1))]++;
                    keys.add(p.responseA() + "|" + p.responseB());
                }
                for (int i = 0; i < k; i++) {
                    assertEquals(m, degree[i], "opponents of sample " + i + " in call " + call);
                }
                perCall.add(keys);
            }
            assertNotEquals(perCall.get(0), perCall.get(1), "each call draws its own schedule");
            runs.add(fake.asked);
            assertEquals(3, rw.callIndex());
        }
        assertEquals(runs.get(0), runs.get(1), "same seed, same schedules");
        assertNotEquals(runs.get(0), runs.get(2), "another seed, other schedules");

        // resuming at call 2 draws call 2's schedule
        FakeLabeler a = FakeLabeler.logistic(strengths(0, 1, 2, 3, 4, 5, 6, 7));
        PairwiseJudgeRewarder resumed = new PairwiseJudgeRewarder(a,
                PairwiseJudgeConfig.builder(k).roundRobin(m).seed(11).build());
        resumed.resumeAt(2);
        resumed.score(group("q", names(k)));
        assertEquals(runs.get(0).subList(2 * k * m / 2, 3 * k * m / 2), a.asked);
    }

    @Test
    void roundRobinScheduleCoversEveryShape() {
        for (int k = 2; k <= 13; k++) {
            for (int m = 1; m < k; m++) {
                List<PairSchedule.Pair> pairs = PairSchedule.roundRobin(k, m, 7L * k + m);
                assertEquals(pairs.size(), new java.util.HashSet<>(pairs).size(), "no pair twice, k " + k + " m " + m);
                int[] degree = new int[k];
                for (PairSchedule.Pair p : pairs) {
                    degree[p.i()]++;
                    degree[p.j()]++;
                }
                int extra = 0;
                for (int d : degree) {
                    assertTrue(d == m || d == m + 1, "k " + k + " m " + m + " degree " + d);
                    extra += d - m;
                }
                if (k * m % 2 == 0) {
                    assertEquals(0, extra, "exactly m each, k " + k + " m " + m);
                } else {
                    assertTrue(extra >= 1, "k " + k + " m " + m);
                }
                assertEquals(pairs, PairSchedule.roundRobin(k, m, 7L * k + m), "seeded");
                if (m == k - 1) {
                    assertEquals(k * (k - 1) / 2, pairs.size(), "all pairs, k " + k);
                }
            }
        }
        assertEquals(4, PairSchedule.roundRobin(7, 1, 1).size(), "k 7, m 1: three matched pairs and one closing pair");
        assertEquals(11, PairSchedule.roundRobin(7, 3, 1).size(), "ceil(7 * 3 / 2)");
        assertEquals(List.of(new PairSchedule.Pair(0, 1), new PairSchedule.Pair(0, 2), new PairSchedule.Pair(1, 2)),
                PairSchedule.allPairs(3));
    }

    @Test
    void aSampleThatWinsEverythingStaysFinite() {
        FakeLabeler sure = new FakeLabeler((a, b) -> a.equals("w") ? 1.0 : b.equals("w") ? 0.0 : 0.5);
        float[] r = new PairwiseJudgeRewarder(sure, PairwiseJudgeConfig.builder(2).build()).score(group("q", "w", "z"));
        assertTrue(Float.isFinite(r[0]) && r[0] > 1 && r[0] < 3, "winner " + r[0]);
        assertEquals(-r[0], r[1], 1e-6);
        // penalised optimum of two samples: 1 - σ(2t) = λ t
        double t = r[0];
        assertEquals(PairwiseJudgeConfig.DEFAULT_RIDGE * t, 1 - PairwiseRewards.sigmoid(2 * t), 1e-6);
        float[] many = new PairwiseJudgeRewarder(sure, PairwiseJudgeConfig.builder(6).build())
                .score(group("q", "a", "b", "w", "c", "d", "e"));
        for (float v : many) {
            assertTrue(Float.isFinite(v), java.util.Arrays.toString(many));
        }
        assertTrue(many[2] > 0 && many[0] < 0, java.util.Arrays.toString(many));
    }

    @Test
    void errorsNameWhatWasExpectedAndFound() {
        FakeLabeler fake = FakeLabeler.logistic(strengths(0, 1, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PairwiseJudgeConfig.builder(1).build());
        assertTrue(e.getMessage().contains("groupSize") && e.getMessage().contains("found 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PairwiseJudgeConfig.builder(4).roundRobin(4).build());
        assertTrue(e.getMessage().contains("opponents") && e.getMessage().contains("1..3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PairwiseJudgeConfig.builder(4).roundRobin(0).build());
        assertTrue(e.getMessage().contains("found 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PairwiseJudgeConfig.builder(4).ridge(0).build());
        assertTrue(e.getMessage().contains("ridge"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PairwiseJudgeConfig.builder(4).cacheCapacity(-1).build());
        assertTrue(e.getMessage().contains("cacheCapacity"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PairwiseJudgeRewarder(null,
                PairwiseJudgeConfig.builder(2).build()));
        assertTrue(e.getMessage().contains("labeler"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PairwiseJudgeConfig.Strategy.parse("swiss", "--strategy"));
        assertTrue(e.getMessage().contains("all-pairs, round-robin") && e.getMessage().contains("'swiss'"), e.getMessage());
        assertEquals(PairwiseJudgeConfig.Strategy.ROUND_ROBIN, PairwiseJudgeConfig.Strategy.parse("Round-Robin", "x"));
        assertEquals(RewardType.WIN_RATE, RewardType.parse("win_rate", "x"));

        PairwiseJudgeRewarder rw = new PairwiseJudgeRewarder(fake, PairwiseJudgeConfig.builder(2).build());
        e = assertThrows(IllegalArgumentException.class, () -> rw.score(group("q", "r0", "r1", "r2")));
        assertTrue(e.getMessage().contains("multiple of groupSize = 2") && e.getMessage().contains("found 3"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> rw.score(concat(group("q", "r0"), group("p", "r1"))));
        assertTrue(e.getMessage().contains("different prompt at row 1"), e.getMessage());
        assertEquals(JudgeCost.ZERO, rw.cost(), "a refused batch costs nothing");

        Labeler shortAnswer = new FakeLabeler((a, b) -> 0.5) {
            @Override
            public List<PreferenceLabel> label(List<PairRecord> pairs) {
                return List.of();
            }
        };
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> new PairwiseJudgeRewarder(shortAnswer,
                PairwiseJudgeConfig.builder(2).build()).score(group("q", "r0", "r1")));
        assertTrue(s.getMessage().contains("expected 1 labels, found 0"), s.getMessage());
        Labeler nullLabel = new FakeLabeler((a, b) -> 0.5) {
            @Override
            public List<PreferenceLabel> label(List<PairRecord> pairs) {
                List<PreferenceLabel> out = new ArrayList<>();
                out.add(null);
                return out;
            }
        };
        s = assertThrows(IllegalStateException.class, () -> new PairwiseJudgeRewarder(nullLabel,
                PairwiseJudgeConfig.builder(2).build()).score(group("q", "r0", "r1")));
        assertTrue(s.getMessage().contains("expected a preference p_a in [0, 1]") && s.getMessage().contains("no label"),
                s.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PairwiseRewards.Outcome(0, 1, Double.NaN));
        assertTrue(e.getMessage().contains("[0, 1]") && e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PairwiseRewards.Outcome(0, 1, 1.5));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PairwiseRewards.winRate(2, List.of(new PairwiseRewards.Outcome(0, 2, 0.5))));
        assertTrue(e.getMessage().contains("below k = 2"), e.getMessage());
        IllegalStateException nc = assertThrows(IllegalStateException.class, () -> PairwiseRewards.bradleyTerry(3,
                List.of(new PairwiseRewards.Outcome(0, 1, 0.9), new PairwiseRewards.Outcome(1, 2, 0.8)), 0.01, 1e-12, 1));
        assertTrue(nc.getMessage().contains("within 1 Newton iterations"), nc.getMessage());
    }

    @Test
    void emptyBatchIsEmpty() {
        FakeLabeler fake = FakeLabeler.logistic(strengths(0));
        assertEquals(0, new PairwiseJudgeRewarder(fake, PairwiseJudgeConfig.builder(2).build()).score(List.of()).length);
        assertEquals(0, fake.labelCalls);
    }

    @Test
    void labelerCallsComeInBatchesOfLabelBatch() {
        FakeLabeler fake = FakeLabeler.logistic(strengths(0, 1, 2, 3, 4, 5));
        PairwiseJudgeRewarder rw = new PairwiseJudgeRewarder(fake, PairwiseJudgeConfig.builder(6).labelBatch(4).build());
        rw.score(group("q", names(6)));
        assertEquals(15, fake.asked.size());
        assertEquals(4, fake.labelCalls, "15 pairs in calls of at most 4");
    }

    private static double sum(float[] r) {
        double s = 0;
        for (float v : r) {
            s += v;
        }
        return s;
    }

    @SafeVarargs
    private static List<Completion> concat(List<Completion>... parts) {
        List<Completion> out = new ArrayList<>();
        for (List<Completion> p : parts) {
            out.addAll(p);
        }
        return out;
    }
}
