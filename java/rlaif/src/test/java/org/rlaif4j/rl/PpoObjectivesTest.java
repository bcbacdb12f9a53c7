package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rlaif4j.kernels.PpoConfig.Aggregation;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;
import org.rlaif4j.kernels.PpoConfig.PolicyLoss;
import org.rlaif4j.model.Ops;

/** The objectives and estimators of PpoTrainingConfig end to end on the tiny policy. */
class PpoObjectivesTest {
    /** Half the prompts give every response the same reward (zero-advantage groups); the rest score each response apart. */
    private static final SequenceRewarder HALF_UNIFORM = batch -> {
        float[] out = new float[batch.size()];
        for (int i = 0; i < out.length; i++) {
            Completion c = batch.get(i);
            boolean uniform = c.prompt().equals("ab") || c.prompt().equals("cd") || c.prompt().equals("ef")
                    || c.prompt().equals("gh");
            out[i] = uniform ? 0.5f : Math.floorMod(c.response().hashCode(), 1000) / 1000f;
        }
        return out;
    };

    private static PpoTrainer trainer(PpoTrainingConfig cfg, SequenceRewarder rewarder) {
        return new PpoTrainer(TinyRl.policy(7), TinyRl.policy(7), null, rewarder, TinyRl.TOKENIZER, TinyRl.PROMPTS, cfg);
    }

    @Test
    void defaultsDependOnTheAdvantageMode() {
        PpoTrainingConfig gae = PpoTrainingConfig.builder().build();
        assertEquals(AdvantageWhitening.TOKEN, gae.whitening());
        assertEquals(Aggregation.TOKEN_MEAN, gae.lossAggregation());
        assertEquals(gae.clip(), gae.clipHigh());
        PpoTrainingConfig rloo = PpoTrainingConfig.builder().rollout(2, 2, 16).advantageMode(AdvantageMode.RLOO).build();
        assertEquals(AdvantageWhitening.NONE, rloo.whitening(), "TRL's RLOO does not whiten");
        PpoTrainingConfig dr = PpoTrainingConfig.builder().rollout(2, 2, 16).advantageMode(AdvantageMode.DR_GRPO).build();
        assertEquals(Aggregation.TOKEN_SUM_NORM, dr.lossAggregation());
        assertEquals(16, dr.lossNormConstant(), "Dr. GRPO divides by the generation budget");
        assertEquals(KlEstimator.K3, dr.lossKlEstimator());
        assertEquals(AdvantageWhitening.TOKEN,
                PpoTrainingConfig.builder().advantageMode(AdvantageMode.REINFORCE_PP).build().whitening());
        assertEquals(AdvantageMode.REINFORCE_PP_BASELINE, AdvantageMode.parse("Reinforce++-baseline", "--advantage"));
        assertEquals(AdvantageMode.DR_GRPO, AdvantageMode.parse("dr-grpo", "--advantage"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdvantageMode.parse("ppo2", "--advantage"));
        assertTrue(e.getMessage().contains("expected one of gae, rloo, grpo, dr_grpo, reinforce++") && e.getMessage().contains("'ppo2'"),
                e.getMessage());
    }

    @Test
    void invalidObjectiveSettingsNameTheSetting() {
        assertMessage("dualClip", () -> PpoTrainingConfig.builder().dualClip(0.5).build());
        assertMessage("clipHigh", () -> PpoTrainingConfig.builder().clipRange(0.2, -1).build());
        assertMessage("dynamicSampling", () -> PpoTrainingConfig.builder().dynamicSampling(true, 4).build());
        assertMessage("maxSamplingRounds", () -> PpoTrainingConfig.builder().rollout(2, 2, 8)
                .advantageMode(AdvantageMode.GRPO).dynamicSampling(true, 0).build());
        assertMessage("overlongBuffer", () -> PpoTrainingConfig.builder().rollout(2, 1, 8).overlongShaping(9, 1).build());
        assertMessage("samplesPerPrompt", () -> PpoTrainingConfig.builder().advantageMode(AdvantageMode.DR_GRPO).build());
        assertMessage("lossNormConstant", () -> PpoTrainingConfig.builder().lossAggregation(Aggregation.TOKEN_SUM_NORM, 0).build());
    }

    private static void assertMessage(String start, org.junit.jupiter.api.function.Executable body) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, body);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }

    @Test
    void overlongShapingIsDaposSoftPenalty() {
        PpoTrainingConfig cfg = PpoTrainingConfig.builder().rollout(2, 1, 8).overlongShaping(4, 0.5).build();
        assertEquals(0, cfg.overlongShaping(3));
        assertEquals(0, cfg.overlongShaping(4), "up to maxNewTokens - buffer: free");
        assertEquals(0.5 * (4 - 6) / 4.0, cfg.overlongShaping(6), 1e-12);
        assertEquals(-0.5, cfg.overlongShaping(8), 1e-12, "the whole budget: the full penalty");
        assertEquals(0, PpoTrainingConfig.builder().rollout(2, 1, 8).build().overlongShaping(8), "off by default");
    }

    @Test
    void topKAndTopPAreFlaggedAsOffPolicy() {
        assertEquals(List.of(), PpoTrainingConfig.builder().build().samplingWarnings());
        List<String> w = PpoTrainingConfig.builder().sampling(1.0, 5, 0.9).build().samplingWarnings();
        assertEquals(1, w.size());
        assertTrue(w.get(0).contains("top-k 5") && w.get(0).contains("behaviour policy"), w.get(0));
    }

    @Test
    void theSamplersLogProbGapShowsTopKAsOffPolicy() {
        PpoTrainingConfig onPolicy = TinyRl.baseConfig().rollout(4, 2, 6).update(1, 8, 1).advantageMode(AdvantageMode.GRPO)
                .build();
        double exact = trainer(onPolicy, HALF_UNIFORM).iterate().extraMetrics().get("sampler_logp_gap").doubleValue();
        assertEquals(0, exact, 1e-4, "float32, temperature 1: the generator samples the distribution the update scores");
        double topK = trainer(onPolicy.toBuilder().sampling(1.0, 3, 1.0).build(), HALF_UNIFORM).iterate().extraMetrics()
                .get("sampler_logp_gap").doubleValue();
        assertTrue(topK < -1e-2, "top-k 3 renormalises over 3 of 12 tokens, so pi_old < pi_sampler: " + topK);
        assertMessage("tisCap", () -> TinyRl.baseConfig().tisCap(0.5).build());
    }

    @Test
    void dynamicSamplingFillsTheBatchWithGroupsThatHaveRewardVariance() {
        PpoTrainingConfig plain = TinyRl.baseConfig().rollout(4, 2, 6).update(1, 8, 1)
                .advantageMode(AdvantageMode.GRPO).build();
        PpoTrainer a = trainer(plain, HALF_UNIFORM);
        int uniform = 0;
        for (int i = 0; i < 2; i++) { // two iterations read every prompt once
            IterationStats s = a.iterate();
            assertEquals(1, s.samplingRounds());
            uniform += s.uniformGroups();
        }
        assertTrue(uniform >= 4, "without dynamic sampling the uniform prompts' groups are trained on: " + uniform);

        PpoTrainingConfig dynamic = plain.toBuilder().dynamicSampling(true, 6).build();
        List<Double> rewards = new ArrayList<>();
        int rounds = 0;
        PpoTrainer d = trainer(dynamic, HALF_UNIFORM);
        for (int i = 0; i < 3; i++) {
            IterationStats s = d.iterate();
            assertEquals(0, s.uniformGroups(), "iteration " + (i + 1) + ": every kept group has reward variance");
            assertEquals(8, s.samples().size(), "the batch is full");
            rounds += s.samplingRounds();
            rewards.add(s.rewardRaw());
        }
        assertTrue(rounds > 3, "more than one round was needed at least once: " + rounds);
        PpoTrainer again = trainer(dynamic, HALF_UNIFORM);
        for (int i = 0; i < 3; i++) {
            assertEquals(rewards.get(i), again.iterate().rewardRaw(), 0.0, "dynamic sampling is seeded by (seed, iteration)");
        }
    }

    @ParameterizedTest
    @EnumSource(Aggregation.class)
    void eachAggregationGivesTheSameStepWhateverTheMicroBatchSplit(Aggregation agg) {
        // Adam's eps = 1 makes the step linear in the gradient, so split rounding stays at rounding size
        PpoTrainingConfig one = TinyRl.baseConfig().rollout(4, 2, 6).update(1, 8, 1).optimizer(1e-2, 1.0, 0, 0)
                .advantageMode(AdvantageMode.GRPO).lossAggregation(agg).build();
        Map<String, Tensor> whole = afterOneIteration(trainer(one, HALF_UNIFORM));
        Map<String, Tensor> split = afterOneIteration(trainer(one.toBuilder().update(1, 8, 4).build(), HALF_UNIFORM));
        Map<String, Tensor> start = trainer(one, HALF_UNIFORM).trainedParameters();
        double move = maxDiff(start, whole);
        assertTrue(move > 1e-6, agg + ": the parameters moved: " + move);
        assertTrue(maxDiff(whole, split) < 1e-3 * move, agg + ": 1 vs 4 micro-batches differ by " + maxDiff(whole, split)
                + " (update " + move + ")");
        if (agg != Aggregation.TOKEN_MEAN) {
            PpoTrainingConfig mean = one.toBuilder().lossAggregation(Aggregation.TOKEN_MEAN).build();
            double d = maxDiff(whole, afterOneIteration(trainer(mean, HALF_UNIFORM)));
            assertTrue(d > 1e-2 * move, agg + " trains differently from the token mean: " + d);
        }
    }

    @ParameterizedTest
    @EnumSource(PolicyLoss.class)
    void policyLossesWithTisAndRowMeansAgreeOnTheFusedAndEagerPaths(PolicyLoss policy) {
        PpoTrainingConfig base = TinyRl.baseConfig().rollout(4, 2, 6).update(1, 4, 2).optimizer(1e-3, 1e-6, 0, 1)
                .advantageMode(AdvantageMode.GRPO).policyLoss(policy).lossAggregation(Aggregation.SEQ_MEAN_TOKEN_MEAN)
                .clipRange(policy == PolicyLoss.GSPO ? 0.01 : 0.2, policy == PolicyLoss.GSPO ? 0.02 : 0.28).tisCap(2)
                .build();
        PpoTrainer fused = trainer(base, HALF_UNIFORM);
        PpoTrainer eager = trainer(base.toBuilder().lossPath(LossPath.EAGER).build(), HALF_UNIFORM);
        IterationStats f = fused.iterate();
        IterationStats e = eager.iterate();
        double w = f.extraMetrics().get("tis_weight_mean").doubleValue();
        assertTrue(w > 0.9 && w <= 2, policy + ": TIS weights near 1 for an on-policy float32 sampler: " + w);
        assertEquals(e.policyLoss(), f.policyLoss(), 1e-4, policy + ": policy loss, fused vs eager");
        Map<String, Tensor> start = trainer(base, HALF_UNIFORM).trainedParameters();
        double move = maxDiff(start, fused.trainedParameters());
        double diff = maxDiff(eager.trainedParameters(), fused.trainedParameters());
        assertTrue(move > 1e-5, policy + ": the policy moved: " + move);
        assertTrue(diff < 1e-3 * move, policy + ": fused and eager updates differ by " + diff + " (update " + move + ")");
        if (policy != PolicyLoss.CLIP) {
            double clip = maxDiff(fused.trainedParameters(), afterOneIteration(trainer(base.toBuilder()
                    .policyLoss(PolicyLoss.CLIP).build(), HALF_UNIFORM)));
            assertTrue(clip > 1e-2 * move, policy + " trains differently from PPO's clip: " + clip);
        }
    }

    @ParameterizedTest
    @EnumSource(AdvantageMode.class)
    void everyAdvantageModeTrains(AdvantageMode mode) {
        PpoTrainingConfig cfg = TinyRl.baseConfig().rollout(4, 2, 6).update(1, 4, 1).advantageMode(mode)
                .clipRange(0.2, 0.28).dualClip(3).build();
        PpoTrainer t = mode == AdvantageMode.GAE ? TinyRl.trainer(cfg, 7) : trainer(cfg, HALF_UNIFORM);
        Map<String, Tensor> start = trainer(cfg.toBuilder().advantageMode(AdvantageMode.GRPO).build(), HALF_UNIFORM)
                .trainedParameters();
        for (int i = 0; i < 2; i++) {
            IterationStats s = t.iterate();
            assertTrue(Double.isFinite(s.policyLoss()) && Double.isFinite(s.gradNorm()) && Double.isFinite(s.klPerSequence()),
                    mode + ": finite statistics, found loss " + s.policyLoss() + ", grad norm " + s.gradNorm());
            assertEquals(2, s.minibatches());
        }
        double move = 0;
        for (Map.Entry<String, Tensor> e : start.entrySet()) {
            move = Math.max(move, maxAbs(Ops.toFloats(e.getValue()), Ops.toFloats(t.trainedParameters().get(e.getKey()))));
        }
        assertTrue(move > 1e-5, mode + ": the policy moved: " + move);
    }

    private static Map<String, Tensor> afterOneIteration(PpoTrainer t) {
        t.iterate();
        return t.trainedParameters();
    }

    private static double maxDiff(Map<String, Tensor> a, Map<String, Tensor> b) {
        double d = 0;
        for (Map.Entry<String, Tensor> e : a.entrySet()) {
            d = Math.max(d, maxAbs(Ops.toFloats(e.getValue()), Ops.toFloats(b.get(e.getKey()))));
        }
        return d;
    }

    private static double maxAbs(float[] x, float[] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) {
            d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }
}
