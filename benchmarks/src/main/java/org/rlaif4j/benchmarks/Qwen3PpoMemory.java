package org.rlaif4j.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.model.tokenizer.CharTokenizer;
import org.rlaif4j.rl.IterationStats;
import org.rlaif4j.rl.PpoTrainer;
import org.rlaif4j.rl.PpoTrainingConfig;
import org.rlaif4j.rl.RewardModelRewarder;
import org.rlaif4j.rl.ValueMode;

/**
 * Peak resident memory and time of one PPO iteration on the Qwen3-0.6B shape (hidden 1024, 28
 * layers, 16/8 heads, head_dim 128, vocab 151936, tied head; random weights): {@value #PROMPTS}
 * prompts × {@value #SAMPLES} samples, {@value #NEW_TOKENS} new tokens, one epoch. The policy is
 * trained in float32 with AdamW and carries the value head (GAE, shared backbone); the reference
 * and the reward model are frozen, in {@code bf16} or {@code fp32} (the argument). One process per
 * setting. After set-up (models built, garbage collected so the float32 temporaries of the bf16
 * conversion are freed) the resident set is read and the high-water mark reset; the peak is the
 * process's resident high-water mark during the iteration (weights, optimizer state, activations,
 * caches: everything). Prints one tab-separated line:
 * {@code qwen3-0.6b-ppo <dtype> <resident after set-up> <peak during the iteration> <iteration s> <set-up s> ...}.
 */
public final class Qwen3PpoMemory {
    static final int PROMPTS = 8;
    static final int SAMPLES = 4;
    static final int NEW_TOKENS = 64;

    private Qwen3PpoMemory() {}

    static ModelConfig qwen3Small() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("model_type", "qwen3").put("vocab_size", 151936).put("hidden_size", 1024).put("intermediate_size", 3072)
                .put("num_hidden_layers", 28).put("num_attention_heads", 16).put("num_key_value_heads", 8)
                .put("head_dim", 128).put("max_position_embeddings", 40960).put("rms_norm_eps", 1e-6)
                .put("rope_theta", 1000000.0).put("hidden_act", "silu").put("attention_bias", false)
                .put("tie_word_embeddings", true).put("bos_token_id", 151643).put("eos_token_id", 151645);
        return ModelConfig.fromJson(n);
    }

    public static void main(String[] args) throws IOException {
        String mode = args.length > 0 ? args[0] : "bf16";
        ScalarType frozen = switch (mode) {
            case "bf16" -> ScalarType.BFloat16;
            case "fp32" -> ScalarType.Float;
            default -> throw new IllegalArgumentException("mode: expected bf16 or fp32, found " + mode);
        };
        long t0 = System.nanoTime();
        ModelConfig cfg = qwen3Small();
        CharTokenizer tok = new CharTokenizer("abcdefghijklmnopqrstuvwxyz ");
        Random rng = new Random(7);
        List<String> prompts = new ArrayList<>();
        for (int p = 0; p < PROMPTS; p++) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 31; i++) {
                s.append((char) ('a' + rng.nextInt(26)));
            }
            prompts.add(s.toString());
        }
        ScalarHeadModel reward = ScalarHeadModel.withFreshHead(CausalLm.random(cfg, 2, frozen).backbone(), 3);
        reward.freeze(n -> true);
        PpoTrainingConfig config = PpoTrainingConfig.builder().rollout(PROMPTS, SAMPLES, NEW_TOKENS).update(1, 8, 1)
                .lr(1e-6).kl(KlEstimator.K1, 0.05).valueMode(ValueMode.SHARED).seed(11).build();
        PpoTrainer trainer = new PpoTrainer(CausalLm.random(cfg, 1), CausalLm.random(cfg, 1, frozen), null,
                new RewardModelRewarder(reward, 8, tok.specialTokens().padOrEos()), tok, prompts, config);
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(500); // JavaCPP frees native memory of collected tensors on its deallocator thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long afterSetup = status("VmRSS:");
        Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // the high-water mark restarts here
        double setup = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        // resident set sampled every 200 ms, to tell which phase holds the peak
        List<long[]> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    samples.add(new long[] {System.nanoTime() - t1, status("VmRSS:")});
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    return;
                }
            }
        }, "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
        IterationStats s = trainer.iterate();
        double secs = (System.nanoTime() - t1) / 1e9;
        sampler.interrupt();
        double[] ends = {s.generationSeconds(), s.generationSeconds() + s.scoringSeconds(), Double.MAX_VALUE};
        long[] phasePeak = new long[3];
        synchronized (samples) {
            for (long[] x : samples) {
                double at = x[0] / 1e9;
                int ph = at <= ends[0] ? 0 : at <= ends[1] ? 1 : 2;
                phasePeak[ph] = Math.max(phasePeak[ph], x[1]);
            }
        }
        System.out.printf(Locale.ROOT, "phase peaks (resident, GB): generation %.2f, scoring %.2f, training %.2f%n",
                phasePeak[0] / 1e9, phasePeak[1] / 1e9, phasePeak[2] / 1e9);
        System.out.printf(Locale.ROOT, "qwen3-0.6b-ppo\t%s\t%d\t%d\t%.1f\t%.1f\tgen %.1fs score %.1fs train %.1fs kl %.4f%n",
                mode, afterSetup, status("VmHWM:"), secs, setup, s.generationSeconds(), s.scoringSeconds(), s.trainingSeconds(),
                s.klPerSequence());
    }

    private static long status(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024L;
            }
        }
        throw new IllegalStateException("no " + key);
    }
}
