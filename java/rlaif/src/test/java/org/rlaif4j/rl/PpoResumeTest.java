package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.train.CheckpointDirs;

/** A run stopped after a checkpoint and resumed gives the same next iteration as an uninterrupted run. */
class PpoResumeTest {
    @TempDir
    Path tmp;

    private static void assertSameStats(IterationStats a, IterationStats b) {
        assertEquals(a.iteration(), b.iteration());
        assertEquals(a.rewardRaw(), b.rewardRaw(), 0.0, "reward");
        assertEquals(a.klPerSequence(), b.klPerSequence(), 0.0, "kl");
        assertEquals(a.klCoef(), b.klCoef(), 0.0, "kl coefficient");
        assertEquals(a.entropy(), b.entropy(), 0.0, "entropy");
        assertEquals(a.policyLoss(), b.policyLoss(), 0.0, "policy loss");
        assertEquals(a.valueLoss(), b.valueLoss(), 0.0, "value loss");
        assertEquals(a.approxKl(), b.approxKl(), 0.0, "approx kl");
        assertEquals(a.gradNorm(), b.gradNorm(), 0.0, "grad norm");
        for (int i = 0; i < a.samples().size(); i++) {
            assertEquals(a.samples().get(i).completion().response(), b.samples().get(i).completion().response(), "sample " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(ValueMode.class)
    void resumingFromACheckpointContinuesExactly(ValueMode mode) {
        PpoTrainingConfig cfg = TinyRl.baseConfig().valueMode(mode).adaptiveKl(0.5, 100).build();
        PpoTrainer straight = TinyRl.trainer(cfg, 5);
        straight.iterate();
        straight.iterate();
        IterationStats third = straight.iterate();

        PpoTrainer first = TinyRl.trainer(cfg, 5);
        first.iterate();
        first.iterate();
        Path ckpt = CheckpointDirs.commit(tmp, "iter-000002", dir -> PpoCheckpoint.save(first, dir));
        assertEquals(ckpt, CheckpointDirs.latest(tmp).orElseThrow());
        assertTrue(Files.isRegularFile(ckpt.resolve(PpoCheckpoint.OPTIMIZER)));
        assertNotEquals(cfg.klCoef(), first.klController().value(), "the adaptive beta moved, so resume must restore it");

        CausalLm policy = CausalLm.load(ckpt.resolve(PpoCheckpoint.POLICY));
        ScalarHeadModel value = mode == ValueMode.SEPARATE ? ScalarHeadModel.load(ckpt.resolve(PpoCheckpoint.VALUE)) : null;
        PpoTrainer resumed = new PpoTrainer(policy, TinyRl.policy(5), value, TinyRl.FRACTION_OF_TARGET, TinyRl.TOKENIZER,
                TinyRl.PROMPTS, cfg);
        PpoCheckpoint.restore(resumed, ckpt);
        assertEquals(2, resumed.iteration());
        assertEquals(first.klController().value(), resumed.klController().value(), 0.0);
        assertSameStats(third, resumed.iterate());
        for (Map.Entry<String, Tensor> e : straight.trainedParameters().entrySet()) {
            assertTrue(e.getValue().equal(resumed.trainedParameters().get(e.getKey())), e.getKey() + " differs after resume");
        }
        assertEquals(straight.klController().value(), resumed.klController().value(), 0.0);
    }

    @org.junit.jupiter.api.Test
    void droppingTheOptimizerMomentsWouldBeCaught() {
        // guards the test above: the same rollouts, but fresh AdamW moments, give other parameters
        PpoTrainingConfig cfg = TinyRl.baseConfig().build();
        PpoTrainer straight = TinyRl.trainer(cfg, 5);
        straight.iterate();
        IterationStats second = straight.iterate();
        PpoTrainer first = TinyRl.trainer(cfg, 5);
        first.iterate();
        Path ckpt = CheckpointDirs.commit(tmp, "iter-000001", dir -> PpoCheckpoint.save(first, dir));
        PpoTrainer noMoments = new PpoTrainer(CausalLm.load(ckpt.resolve(PpoCheckpoint.POLICY)), TinyRl.policy(5),
                ScalarHeadModel.load(ckpt.resolve(PpoCheckpoint.VALUE)), TinyRl.FRACTION_OF_TARGET, TinyRl.TOKENIZER,
                TinyRl.PROMPTS, cfg);
        noMoments.restoreIteration(1, first.klController().value());
        IterationStats other = noMoments.iterate();
        assertEquals(second.rewardRaw(), other.rewardRaw(), 0.0, "same policy and seed: same rollouts");
        Tensor a = straight.trainedParameters().get("policy.lm_head.weight");
        Tensor b = noMoments.trainedParameters().get("policy.lm_head.weight");
        assertFalse(a.equal(b), "without the optimizer state the update differs");
    }
}
