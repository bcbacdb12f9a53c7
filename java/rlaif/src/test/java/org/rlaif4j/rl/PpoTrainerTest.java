package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.GenerationConfig;
import org.rlaif4j.model.GenerationResult;
import org.rlaif4j.model.Generator;
import org.rlaif4j.train.AdamWConfig;
import org.rlaif4j.train.Optimizers;

class PpoTrainerTest {
    @Test
    void responsesWithoutAStopTokenArePenalisedAndFlagged() {
        PpoTrainingConfig cfg = TinyRl.baseConfig().rollout(8, 1, 4).shaping(new RewardShaping(0.5, false, 0)).build();
        IterationStats s = TinyRl.trainer(cfg, 5).iterate();
        int truncated = 0;
        for (IterationStats.Scored x : s.samples()) {
            long[] ids = x.completion().responseIds();
            boolean stopped = ids.length > 0 && ids[ids.length - 1] == TinyRl.TOKENIZER.specialTokens().eos();
            assertEquals(!stopped, x.completion().truncated(), "truncated flag of '" + x.completion().response() + "'");
            assertTrue(stopped || ids.length == 4, "a response without eos used the whole budget");
            truncated += x.completion().truncated() ? 1 : 0;
        }
        assertTrue(truncated > 0 && truncated < 8, "the batch mixes stopped and truncated rows: " + truncated);
        assertEquals(truncated / 8.0, s.truncatedFraction(), 1e-12);
        assertEquals(s.rewardRaw() - 0.5 * s.truncatedFraction(), s.rewardShaped(), 1e-6);
    }

    @Test
    void approxKlBoundStopsTheUpdatesEarly() {
        PpoTrainingConfig all = TinyRl.baseConfig().update(2, 4, 1).build();        // 8 rows: 2 epochs x 2 minibatches
        IterationStats full = TinyRl.trainer(all, 5).iterate();
        assertEquals(4, full.minibatches());
        assertFalse(full.earlyStopped());
        IterationStats stopped = TinyRl.trainer(all.toBuilder().earlyStopKl(1e-7).build(), 5).iterate();
        assertTrue(stopped.earlyStopped());
        assertTrue(stopped.minibatches() < 4, "stopped after " + stopped.minibatches() + " minibatches");
        assertTrue(stopped.approxKl() < full.approxKl() || stopped.minibatches() == 1);
    }

    @Test
    void invalidSettingsNameTheSettingAndWhatWasFound() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PpoTrainingConfig.builder().advantageMode(AdvantageMode.RLOO).rollout(4, 1, 8).build());
        assertTrue(e.getMessage().contains("samplesPerPrompt") && e.getMessage().contains("found 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PpoTrainingConfig.builder().update(1, 4, 5).build());
        assertTrue(e.getMessage().startsWith("gradAccum"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new PpoTrainer(TinyRl.policy(1), TinyRl.policy(1), null, TinyRl.FRACTION_OF_TARGET, TinyRl.TOKENIZER,
                        TinyRl.PROMPTS, TinyRl.baseConfig().build()));
        assertTrue(e.getMessage().contains("valueMode SEPARATE"), e.getMessage());
    }

    @Test
    void aMinibatchWithANonFiniteLossIsSkippedWithoutAnUpdate() {
        CausalLm policy = TinyRl.policy(4);
        List<long[]> prompts = List.of(new long[] {1, 4}, new long[] {1, 5, 6});
        GenerationResult g = new Generator(policy).generate(prompts,
                GenerationConfig.sampling(5, 1.0, 0, 1.0, 2).withPadTokenId(0));
        int p = g.promptLength();
        int n = g.generatedLength();
        Tensor targets = g.sequences().narrow(1, p, n).contiguous();
        Tensor mask = g.attentionMask().narrow(1, p, n)
                .to(ScalarType.Bool).contiguous();
        Scoring.Scores old = Scoring.policy(policy, null, g.sequences(), g.attentionMask(), p, n, targets, mask, 1.0, false, 4);
        float[] adv = new float[2 * n];
        Arrays.fill(adv, 1f);
        adv[0] = Float.NaN; // a diverged advantage at a valid token
        PpoTrainingConfig cfg = TinyRl.baseConfig().update(1, 2, 1).build();
        List<Tensor> params = new ArrayList<>(policy.namedParameters().values());
        AdamW opt = Optimizers.adamW(policy.namedParameters(),
                AdamWConfig.of(1e-2));
        Tensor before = policy.lmHead().clone();
        PpoUpdate.Stats s = new PpoUpdate(cfg, opt, params, new PpoObjective(policy, null, null, LossPath.LINEAR, 1.0))
                .run(new PpoUpdate.Batch(g.sequences(), g.attentionMask(), p, targets, mask, old.logp(), null,
                        Tensors.fromFloats(adv, 2, n), null, null, new int[] {n, n}), 0, 0.0);
        assertEquals(1, s.skipped());
        assertEquals(0, s.minibatches());
        assertTrue(policy.lmHead().equal(before), "no update from a NaN minibatch");
    }
}
