package org.rlaif4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.model.tokenizer.CharTokenizer;
import org.rlaif4j.rl.IterationStats;
import org.rlaif4j.rl.LossPath;
import org.rlaif4j.rl.PpoTrainer;
import org.rlaif4j.rl.PpoTrainingConfig;
import org.rlaif4j.rl.RewardModelRewarder;

/**
 * One end-to-end PPO iteration on the ~10M-parameter Llama-style model of {@link GenerationBenchmark}:
 * {@value #PROMPTS} prompts of {@value #PROMPT_CHARS} tokens, {@value #NEW_TOKENS} sampled tokens each,
 * scored by a ~10M reward model, the reference and a ~10M value model (GAE), then {@value #EPOCHS}
 * PPO epochs in minibatches of {@value #MINIBATCH}. The loss path is the parameter: {@code linear}
 * (fused kernels: LinearPpoLoss from hidden states, fused log-probs, GAE, whitening), {@code split}
 * (fused log-probs from logits + fused PPO loss) against {@code eager} (the libtorch-eager
 * reference of the same update). The phase split (generation / scoring / training
 * tokens per second, from the trainer's own timers) goes to the side file of {@link PeakMemory}
 * as {@value #PHASES} lines; only measured shots are written.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class PpoIterationBenchmark {
    public static final int PROMPTS = 8;
    public static final int PROMPT_CHARS = 32;
    public static final int NEW_TOKENS = 32;
    public static final int EPOCHS = 1;
    public static final int MINIBATCH = 4;
    /** First field of the phase lines in the side file. */
    public static final String PHASES = "ppo-phases";

    @Param({"linear", "split", "eager"})
    public String lossPath;

    private PpoTrainer trainer;
    private boolean measured;

    @Setup(Level.Trial)
    public void setUp() {
        ModelConfig cfg = GenerationBenchmark.tenMillionLlama();
        CharTokenizer tok = new CharTokenizer("abcdefghijklmnopqrstuvwxyz ");
        Random rng = new Random(7);
        List<String> prompts = new ArrayList<>();
        for (int p = 0; p < 4 * PROMPTS; p++) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < PROMPT_CHARS - 1; i++) { // the tokenizer adds no bos: +1 for the model's own
                s.append((char) ('a' + rng.nextInt(26)));
            }
            prompts.add(s.toString());
        }
        ScalarHeadModel reward = ScalarHeadModel.withFreshHead(CausalLm.random(cfg, 2).backbone(), 3);
        reward.freeze(n -> true);
        ScalarHeadModel value = ScalarHeadModel.withFreshHead(CausalLm.random(cfg, 4).backbone(), 5);
        PpoTrainingConfig config = PpoTrainingConfig.builder().rollout(PROMPTS, 1, NEW_TOKENS).update(EPOCHS, MINIBATCH, 1)
                .lr(1e-5).kl(KlEstimator.K1, 0.05).lossPath(LossPath.valueOf(lossPath.toUpperCase(Locale.ROOT)))
                .seed(11).build();
        trainer = new PpoTrainer(CausalLm.random(cfg, 1), CausalLm.random(cfg, 1), value,
                new RewardModelRewarder(reward, MINIBATCH, tok.specialTokens().padOrEos()), tok, prompts, config);
    }

    @Setup(Level.Iteration)
    public void kind(IterationParams params) {
        measured = params.getType() == IterationType.MEASUREMENT;
    }

    @Benchmark
    public void iteration(Blackhole bh) {
        IterationStats s = trainer.iterate(); // the trainer scopes its own native memory per phase
        bh.consume(s);
        if (measured) {
            report(s);
        }
    }

    private void report(IterationStats s) {
        String file = System.getProperty("rlaif.bench.memoryFile");
        if (file == null) {
            return;
        }
        String line = String.format(Locale.ROOT, "%s\t%s\t%.6f\t%.6f\t%.6f\t%d\t%d\t%d%n", PHASES, lossPath,
                s.generationSeconds(), s.scoringSeconds(), s.trainingSeconds(), s.generatedTokens(), s.sequenceTokens(),
                s.trainedTokens());
        try {
            Files.writeString(Path.of(file), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
