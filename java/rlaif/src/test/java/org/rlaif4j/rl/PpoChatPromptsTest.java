package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.model.RealFormat;
import org.rlaif4j.model.chat.ChatMessage;
import org.rlaif4j.model.tokenizer.HfTokenizer;

/**
 * PPO on conversational prompts with the real Qwen3 checkpoint: rollouts start from the chat
 * template's generation prompt, the rewarder sees the conversation as text, and generation stops at
 * the format's stop ids.
 */
class PpoChatPromptsTest {
    @Test
    void rolloutsStartFromTheTemplatesGenerationPromptAndAnIterationRuns() {
        Path dir = RealFormat.dir("qwen3-tiny");
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            CausalLm policy = CausalLm.load(dir);
            PromptFormat f = PromptFormat.load(dir, tok, policy.config());
            List<Prompt> prompts = List.of(Prompt.chat(List.of(new ChatMessage("system", "Be brief."),
                    new ChatMessage("user", "Name a prime."))), Prompt.text("Plain text prompt"));
            List<String> seen = new ArrayList<>();
            SequenceRewarder rewarder = batch -> {
                float[] r = new float[batch.size()];
                for (int i = 0; i < r.length; i++) {
                    seen.add(batch.get(i).prompt());
                    r[i] = batch.get(i).responseIds().length % 3;
                }
                return r;
            };
            PpoTrainingConfig cfg = PpoTrainingConfig.builder().rollout(2, 2, 4).update(1, 4, 1).lr(1e-3)
                    .advantageMode(AdvantageMode.GRPO).stopTokens(f.stopIds()).seed(5).build();
            // the frozen reference runs in the checkpoint's bf16, the trained policy in float32
            CausalLm reference = CausalLm.load(dir, org.rlaif4j.model.ModelDtype.saved(dir));
            assertEquals(org.bytedeco.pytorch.global.torch.ScalarType.BFloat16, reference.backbone().dtype());
            PpoTrainer t = new PpoTrainer(policy, reference, null, rewarder, f, prompts, cfg, DataParallel.single());
            Rollout r = t.rollout();
            List<long[]> want = List.of(f.promptIds(prompts.get(0)), f.promptIds(prompts.get(1)));
            int matched = 0;
            for (Completion c : r.completions()) {
                for (long[] w : want) {
                    matched += Arrays.equals(w, c.promptIds()) ? 1 : 0;
                }
            }
            assertEquals(4, matched, "each rollout's prompt ids are the format's");
            assertTrue(f.stopIds().containsAll(java.util.Set.of(151645L, 151643L)), "Qwen3 stops at <|im_end|> and <|endoftext|>");
            IterationStats s = t.iterate(r);
            assertTrue(Double.isFinite(s.approxKl()), "an update ran");
            // same weights, float32 vs bf16 arithmetic: the KL to the reference is small but measured
            assertTrue(Double.isFinite(s.klPerSequence()) && Math.abs(s.klPerSequence()) < 0.5, "kl " + s.klPerSequence());
            assertTrue(seen.contains("system: Be brief.\n\nuser: Name a prime."), "the rewarder reads the conversation: " + seen);

        }
    }
}
