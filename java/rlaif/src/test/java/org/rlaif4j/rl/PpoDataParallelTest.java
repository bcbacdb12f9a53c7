package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;
import static org.rlaif4j.dist.RankChecks.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.ScalarHeadModel;

/**
 * Data-parallel PPO with two Gloo ranks (threads of this JVM) on localhost: each rank learns from
 * its half of the rollouts that one process samples and learns from whole, so the comparison is
 * exact up to float rounding. Generation itself differs by design (each rank its own seed).
 */
class PpoDataParallelTest {
    private static final int K = 2;

    /** One rank's (or the single process's) outcome. */
    private record Run(Map<String, float[]> params, List<IterationStats> stats, double drift) {}

    @Test
    void gaeWithWhiteningRewardNormalisationAndAdaptiveKlMatchesOneProcessOnTheCombinedBatch() throws Exception {
        PpoTrainingConfig.Builder common = TinyRl.baseConfig().shaping(new RewardShaping(0.1, true, 0))
                .adaptiveKl(0.5, 20).seed(11);
        PpoTrainingConfig single = common.rollout(8, 1, 6).update(2, 4, 2).build();
        PpoTrainingConfig perRank = common.rollout(4, 1, 6).update(2, 2, 1).build();
        List<Run> runs = compare(single, perRank);
        double beta = runs.get(0).stats().get(K - 1).klCoef();
        assertNotEquals(0.01, beta, 1e-9, "the adaptive controller moved beta, so its agreement is tested");
    }

    @Test
    void grpoGroupsStayOnTheirRankAndTheApproxKlEarlyStopIsTakenByAllRanksAlike() throws Exception {
        // The early stop leaves one Adam step, lr * g / (|g| + eps): with the default eps 1e-8 a gradient
        // component at float-rounding size (1e-9, where the two ranks' all-reduced mean and one process's
        // sum round differently) moves its parameter by a sizeable fraction of lr, in either direction.
        // An eps above that noise keeps the step continuous in g, so the comparison measures the
        // data-parallel arithmetic rather than Adam's amplification of rounding.
        PpoTrainingConfig.Builder common = TinyRl.baseConfig().optimizer(3e-3, 1e-5, 0.0, 1.0)
                .advantageMode(AdvantageMode.GRPO).earlyStopKl(1e-7).seed(3);
        PpoTrainingConfig single = common.rollout(4, 2, 6).update(2, 4, 1).build();
        PpoTrainingConfig perRank = common.rollout(2, 2, 6).update(2, 2, 1).build();
        List<Run> runs = compare(single, perRank);
        for (Run r : runs) {
            assertTrue(r.stats().get(0).earlyStopped(), "every rank stopped early");
            assertEquals(runs.get(2).stats().get(0).minibatches(), r.stats().get(0).minibatches());
        }
    }

    @Test
    void sequenceWhiteningRowAggregationsAndReinforceBaselineMatchOneProcess() throws Exception {
        // each rank holds rows of unequal length, so the per-row statistics must be merged over the ranks
        java.util.function.Supplier<PpoTrainingConfig.Builder> common = () -> TinyRl.baseConfig()
                .optimizer(3e-3, 1e-5, 0.0, 1.0).seed(9).clipRange(0.2, 0.28).dualClip(3);
        for (PpoTrainingConfig.Builder b : List.of(
                common.get().advantageMode(AdvantageMode.RLOO).whitening(AdvantageWhitening.SEQUENCE)
                        .lossAggregation(org.rlaif4j.kernels.PpoConfig.Aggregation.SEQ_MEAN_TOKEN_SUM),
                common.get().advantageMode(AdvantageMode.REINFORCE_PP_BASELINE),
                common.get().advantageMode(AdvantageMode.DR_GRPO))) {
            compare(b.rollout(4, 2, 6).update(2, 4, 2).build(), b.rollout(2, 2, 6).update(2, 2, 1).build());
        }
    }

    /** Runs both, checks the ranks agree with each other and with one process; returns rank 0, rank 1, single. */
    private static List<Run> compare(PpoTrainingConfig single, PpoTrainingConfig perRank) throws Exception {
        PpoTrainer one = trainer(single, 5, DataParallel.single());
        Map<String, float[]> init = snapshot(one.trainedParameters());
        List<Rollout> rollouts = new ArrayList<>();
        List<IterationStats> oneStats = new ArrayList<>();
        for (int k = 0; k < K; k++) {
            Rollout r = one.rollout();
            rollouts.add(r);
            oneStats.add(one.iterate(r));
        }
        Run reference = new Run(snapshot(one.trainedParameters()), oneStats, 0);

        int half = single.rows() / 2;
        List<Run> ranks = onTwoRanks((r, dp) -> {
            // rank 1 starts from other weights: the broadcast must replace them with rank 0's
            PpoTrainer t = trainer(perRank, 5 + r, dp);
            List<IterationStats> stats = new ArrayList<>();
            for (Rollout all : rollouts) {
                stats.add(t.iterate(all.rows(r * half, (r + 1) * half)));
            }
            double drift = dp.maxDifferenceFromRankZero(new ArrayList<>(t.trainedParameters().values()));
            return new Run(snapshot(t.trainedParameters()), stats, drift);
        });
        Run r0 = ranks.get(0);
        Run r1 = ranks.get(1);
        assertEquals(0.0, r1.drift(), "rank 1's parameters equal rank 0's exactly");
        assertEquals(0.0, maxDiff(r0.params(), r1.params()));
        double diff = maxDiff(r0.params(), reference.params());
        assertTrue(diff < 1e-4, "2 ranks vs one process on the combined batch: parameters differ by " + diff);
        double moved = maxDiff(init, reference.params());
        assertTrue(moved > 1e-3, "training moved the parameters by " + moved + ": the comparison is not vacuous");
        for (int k = 0; k < K; k++) {
            IterationStats a = r0.stats().get(k);
            IterationStats b = r1.stats().get(k);
            IterationStats s = oneStats.get(k);
            for (IterationStats x : List.of(a, b)) {
                assertEquals(s.klCoef(), x.klCoef(), 1e-9, "KL coefficient of iteration " + (k + 1));
                assertEquals(s.klPerSequence(), x.klPerSequence(), 1e-4, "combined mean KL");
                assertEquals(s.rewardRaw(), x.rewardRaw(), 1e-6, "combined mean reward");
                assertEquals(s.approxKl(), x.approxKl(), 1e-5, "approx KL of the combined minibatches");
                assertEquals(s.minibatches(), x.minibatches());
                assertEquals(s.earlyStopped(), x.earlyStopped());
            }
        }
        return List.of(r0, r1, reference);
    }

    private static PpoTrainer trainer(PpoTrainingConfig cfg, long modelSeed, DataParallel dp) {
        ScalarHeadModel value = cfg.usesCritic() ? TinyRl.valueModel(modelSeed + 100) : null;
        return new PpoTrainer(TinyRl.policy(modelSeed), TinyRl.policy(5), value, TinyRl.FRACTION_OF_TARGET,
                TinyRl.TOKENIZER, TinyRl.PROMPTS, cfg, dp);
    }

}
