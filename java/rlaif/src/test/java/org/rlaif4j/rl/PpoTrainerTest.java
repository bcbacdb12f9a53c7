package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

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
}
