package org.rlaif4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.data.Line;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.feedback.Labeler;
import org.rlaif4j.feedback.LabelerOptions;
import org.rlaif4j.kernels.PpoConfig.Aggregation;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;
import org.rlaif4j.kernels.PpoConfig.PolicyLoss;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.ScalarHead;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.model.safetensors.SafetensorsCheckpoint;
import org.rlaif4j.model.tokenizer.HfTokenizer;
import org.rlaif4j.report.MetricsLog;
import org.rlaif4j.report.Plots;
import org.rlaif4j.report.Progress;
import org.rlaif4j.rl.AdvantageMode;
import org.rlaif4j.rl.AdvantageWhitening;
import org.rlaif4j.rl.DirectLabelerRewarder;
import org.rlaif4j.rl.HackingSigns;
import org.rlaif4j.rl.IterationStats;
import org.rlaif4j.rl.LossPath;
import org.rlaif4j.rl.PairwiseJudgeConfig;
import org.rlaif4j.rl.PairwiseJudgeRewarder;
import org.rlaif4j.rl.PpoCheckpoint;
import org.rlaif4j.rl.PpoTrainer;
import org.rlaif4j.rl.PpoTrainingConfig;
import org.rlaif4j.rl.RewardModelRewarder;
import org.rlaif4j.rl.RewardShaping;
import org.rlaif4j.rl.SequenceRewarder;
import org.rlaif4j.rl.ValueMode;
import org.rlaif4j.train.CheckpointDirs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rlaif4j ppo}: RL against a reward model with PPO (GAE) or the critic-free RLOO / GRPO. */
@Command(name = "ppo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a policy with PPO against a reward model (--reward-model) or, for direct RLAIF, against the AI "
                + "labeler's 1-10 score (--direct-reward with --labeler or --server). Writes OUT/checkpoints/iter-NNNNNN "
                + "(policy/, value/, optimizer.pt, trainer_state.json), OUT/metrics.{jsonl,csv,png} and OUT/samples.jsonl. "
                + "Data-parallel under `launch -n N` (--batch-prompts and --minibatch are per rank).")
public final class PpoCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "Starting policy (causal-LM folder with tokenizer.json); also the frozen reference.")
    Path policyDir;
    @Option(names = "--reward-model", description = "Reward model (sequence-classification folder, the policy's tokenizer).")
    Path rewardDir;
    @Option(names = "--direct-reward", description = "Direct RLAIF: the labeler's expected 1-10 score, scaled to [-1, 1], is the reward "
            + "(instead of --reward-model).")
    boolean directReward;
    @Option(names = "--pairwise-judge", description = "Pairwise AI-judge rewards (group modes): the labeler (--labeler or "
            + "--server) compares the samples of each prompt, both orders, and each sample's Bradley-Terry strength or win "
            + "rate is its reward.")
    boolean pairwiseJudge;
    @Option(names = "--judge-pairs", defaultValue = "all-pairs", description = "--pairwise-judge: all-pairs or round-robin.")
    String judgePairs;
    @Option(names = "--judge-opponents", defaultValue = "2", description = "--pairwise-judge round-robin: opponents per sample.")
    int judgeOpponents;
    @Option(names = "--judge-reward", defaultValue = "bradley-terry", description = "--pairwise-judge: bradley-terry or win-rate.")
    String judgeReward;
    @Option(names = "--labeler", paramLabel = "DIR", description = "--direct-reward: local labeler checkpoint folder.")
    Path labelerDir;
    @Option(names = "--server", paramLabel = "URL", description = "--direct-reward: labeler server with an OpenAI-compatible /v1/completions and logprobs.")
    java.net.URI server;
    @Option(names = "--model", paramLabel = "NAME", description = "--direct-reward: model name sent to --server.")
    String serverModel;
    @Option(names = "--api-key-env", paramLabel = "VAR", description = "--direct-reward: environment variable holding the server's API key.")
    String apiKeyEnv;
    @Option(names = "--constitution", paramLabel = "FILE", description = "--direct-reward: constitution JSON (its score_* fields; default: the built-in one).")
    Path constitutionFile;
    @Option(names = "--value-model", description = "Value model start for GAE (default: the reward model; with --direct-reward the policy, "
            + "with a fresh head).")
    Path valueDir;
    @Option(names = "--shared-value-head", description = "Value head on the policy's backbone instead of a separate value model.")
    boolean sharedValue;
    @Option(names = "--prompts", required = true, description = "JSONL with a \"prompt\" field per line.")
    Path promptsFile;
    @Option(names = "--out", required = true, description = "Output folder.")
    Path out;

    @Option(names = "--iterations", defaultValue = "100") int iterations;
    @Option(names = "--batch-prompts", defaultValue = "16", description = "Prompts per iteration (per rank).") int batchPrompts;
    @Option(names = "--samples-per-prompt", defaultValue = "1", description = "Responses per prompt (>= 2 for rloo/grpo).") int samplesPerPrompt;
    @Option(names = "--max-new-tokens", defaultValue = "64") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "1.0") double temperature;
    @Option(names = "--top-k", defaultValue = "0") int topK;
    @Option(names = "--top-p", defaultValue = "1.0") double topP;

    @Option(names = "--advantage", defaultValue = "gae", description = "gae, rloo, grpo, dr_grpo, reinforce++ or "
            + "reinforce++-baseline (default: ${DEFAULT-VALUE}).")
    String advantage;
    @Option(names = "--epochs", defaultValue = "4", description = "PPO epochs per iteration.") int epochs;
    @Option(names = "--minibatch", defaultValue = "8", description = "Rows per optimizer step (per rank).") int minibatch;
    @Option(names = "--grad-accum", defaultValue = "1", description = "Micro-batches per minibatch.") int gradAccum;
    @Option(names = "--lr", defaultValue = "1e-5") double lr;
    @Option(names = "--weight-decay", defaultValue = "0.0") double weightDecay;
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "0 = no clipping.") double maxGradNorm;
    @Option(names = "--clip", defaultValue = "0.2", description = "Ratio clip range (below 1; also above unless --clip-high).") double clip;
    @Option(names = "--clip-high", description = "Ratio clip above 1 (DAPO's clip-higher, e.g. 0.28; default: --clip).") Double clipHigh;
    @Option(names = "--policy-loss", defaultValue = "clip", description = "clip (PPO's token ratio), gspo (sequence "
            + "ratio; use e.g. --clip 3e-4 --clip-high 4e-4) or cispo (clipped stop-gradient weight).") String policyLoss;
    @Option(names = "--dual-clip", defaultValue = "0", description = "Dual-clip constant c > 1 for negative advantages (0 = off).") double dualClip;
    @Option(names = "--loss-aggregation", defaultValue = "auto", description = "token-mean, seq-mean-token-mean, "
            + "seq-mean-token-sum or token-sum-norm (sum / (rows x --loss-norm-constant)); auto: token-sum-norm for dr_grpo, "
            + "else token-mean.") String lossAggregation;
    @Option(names = "--loss-norm-constant", description = "Per-row divisor of token-sum-norm (default: --max-new-tokens).") Double lossNormConstant;
    @Option(names = "--vf-coef", defaultValue = "0.1") double vfCoef;
    @Option(names = "--value-clip", defaultValue = "0.2", description = "0 = no value clipping.") double valueClip;
    @Option(names = "--ent-coef", defaultValue = "0.0") double entCoef;
    @Option(names = "--gamma", defaultValue = "1.0") double gamma;
    @Option(names = "--lambda", defaultValue = "0.95") double lambda;
    @Option(names = "--no-whiten-advantages", description = "Keep raw advantages (= --whiten-advantages none).") boolean noWhiten;
    @Option(names = "--whiten-advantages", defaultValue = "auto", description = "none, token or sequence; auto: token for "
            + "gae and reinforce++ (its global batch normalisation), none for rloo, grpo and dr_grpo.") String whiten;
    @Option(names = "--early-stop-kl", defaultValue = "0", description = "Stop an iteration's updates when a minibatch's approx KL exceeds this (0 = off).") double earlyStopKl;

    @Option(names = "--kl-coef", defaultValue = "0.05", description = "Initial KL penalty coefficient beta.") double klCoef;
    @Option(names = "--kl-estimator", defaultValue = "k1", description = "k1, k2 or k3: the KL penalty in the reward.") String klEstimator;
    @Option(names = "--loss-kl-estimator", defaultValue = "k3", description = "k1, k2 or k3: the KL loss term of grpo and "
            + "dr_grpo (the adaptive controller then observes it too).") String lossKlEstimator;
    @Option(names = "--target-kl", defaultValue = "0", description = "Adaptive beta towards this KL per sequence (0 = fixed beta).") double targetKl;
    @Option(names = "--kl-horizon", defaultValue = "10000", description = "Sequences over which the adaptive controller corrects.") double klHorizon;

    @Option(names = "--missing-eos-penalty", defaultValue = "0", description = "Subtracted from rewards of responses without a stop token.") double missingEosPenalty;
    @Option(names = "--normalize-rewards", description = "Whiten the sequence rewards over each batch.") boolean normalizeRewards;
    @Option(names = "--reward-clip", defaultValue = "0", description = "Clip sequence rewards to +-this (0 = off).") double rewardClip;
    @Option(names = "--dynamic-sampling", description = "DAPO: drop groups whose rewards are all equal and sample more "
            + "prompts until the batch is full (group modes).") boolean dynamicSampling;
    @Option(names = "--max-sampling-rounds", defaultValue = "4", description = "Rollout rounds per iteration with "
            + "--dynamic-sampling; a batch still short is topped up with the dropped groups.") int maxSamplingRounds;
    @Option(names = "--overlong-buffer", defaultValue = "0", description = "DAPO soft overlong penalty over the last N "
            + "tokens of --max-new-tokens (0 = off).") double overlongBuffer;
    @Option(names = "--overlong-penalty", defaultValue = "1.0", description = "Penalty at the full budget with --overlong-buffer.") double overlongPenalty;
    @Option(names = "--tis-cap", defaultValue = "0", description = "Truncated importance sampling: weight each token's "
            + "policy loss by min(pi_old / pi_sampler, C), pi_sampler the generator's sampling distribution (0 = off; 2 is usual).")
    double tisCap;
    @Option(names = "--strict", description = "Refuse settings that make the update off-policy (top-k / top-p sampling) "
            + "instead of warning.") boolean strict;

    @Option(names = "--eager", description = "Use the libtorch eager reference path instead of the fused kernels.") boolean eager;
    @Option(names = "--loss-path", defaultValue = "linear", description = "linear (LinearPpoLoss), split (LogProbs + PpoLoss) or eager.") String lossPath;
    @Option(names = "--save-every", defaultValue = "10", description = "Checkpoint every K iterations (and at the end).") int saveEvery;
    @Option(names = "--keep-last", defaultValue = "3", description = "Checkpoints kept.") int keepLast;
    @Option(names = "--resume", description = "Continue from OUT/checkpoints/latest.") boolean resume;
    @Option(names = "--log-samples", defaultValue = "4", description = "Completions per iteration written to samples.jsonl.") int logSamples;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--quiet", description = "No progress bar.") boolean quiet;

    @Mixin
    DistributedOptions dist;

    @Mixin
    PromptFlags promptFlags;

    @picocli.CommandLine.Mixin
    DtypeFlag dtypeFlag;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter pw = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PpoTrainingConfig cfg = config();
        for (String w : cfg.samplingWarnings()) {
            if (strict) {
                throw new IllegalArgumentException("--top-k/--top-p (--strict): " + w);
            }
            err.println("warning: " + w);
        }
        LabelerSource labelerSource = new LabelerSource(labelerDir, server, serverModel, apiKeyEnv, constitutionFile,
                dtypeFlag.dtype);
        checkRewardSource(labelerSource);
        if (iterations < 1 || saveEvery < 1 || keepLast < 1) {
            throw new IllegalArgumentException("--iterations, --save-every, --keep-last: expected >= 1, found "
                    + iterations + ", " + saveEvery + ", " + keepLast);
        }
        List<Prompt> prompts = new ArrayList<>();
        for (Line<Prompt> l : Jsonl.read(promptsFile, o -> Prompt.fromJson(o, "prompt"), BadLinePolicy.FAIL, w -> { })) {
            prompts.add(l.value());
        }
        Path checkpoints = out.resolve("checkpoints");
        Optional<Path> latest = CheckpointDirs.latest(checkpoints);
        if (latest.isPresent() && !resume) {
            throw new IllegalArgumentException(out + ": holds checkpoints (" + latest.get().getFileName()
                    + "); pass --resume to continue, or choose an empty --out");
        }
        Path start = resume && latest.isPresent() ? latest.get() : null;
        CausalLm policy = CausalLm.load(start != null ? start.resolve(PpoCheckpoint.POLICY) : policyDir);
        CausalLm reference = CausalLm.load(policyDir, dtypeFlag.of(policyDir)); // frozen: the checkpoint's dtype
        ScalarHeadModel value = null;
        if (cfg.usesCritic() && cfg.valueMode() == ValueMode.SEPARATE) {
            value = start != null ? ScalarHeadModel.load(start.resolve(PpoCheckpoint.VALUE))
                    : loadValueModel(valueDir != null ? valueDir : rewardDir != null ? rewardDir : policyDir);
        }
        try (HfTokenizer tok = HfTokenizer.load(policyDir);
                Labeler labeler = directReward || pairwiseJudge ? labelerSource.open(LabelerOptions.defaults()) : null;
                DataParallel dp = dist.open()) {
            PairwiseJudgeRewarder judge = pairwiseJudge ? new PairwiseJudgeRewarder(labeler, judgeConfig(cfg)) : null;
            SequenceRewarder rewarder = judge != null ? judge
                    : labeler != null ? new DirectLabelerRewarder(labeler) : rewardModelRewarder(tok);
            PpoTrainer trainer = new PpoTrainer(policy, reference, value, rewarder,
                    promptFlags.open(policyDir, tok, ModelConfig.load(policyDir)), prompts, cfg, dp);
            if (start != null) {
                PpoCheckpoint.restore(trainer, start);
            }
            if (judge != null) {
                judge.resumeAt(trainer.iteration()); // one judging call per iteration (without dynamic sampling)
            }
            dp.requireSame(trainer.iteration(), "the iteration to resume after",
                    "resuming a data-parallel run needs --out on storage every rank reads");
            if (!dp.isMain()) { // trains in step with rank 0 and writes nothing
                while (trainer.iteration() < iterations) {
                    trainer.iterate();
                }
                double drift = dp.maxDifferenceFromRankZero(trainedParameters(trainer));
                dp.barrier();
                DistributedOptions.reportInSync(pw, dp, drift);
                return 0;
            }
            if (start != null) {
                truncateLogs(trainer.iteration());
                err.printf(Locale.ROOT, "resuming after iteration %d from %s%n", trainer.iteration(), start);
            } else if (resume) {
                truncateLogs(0); // lines of a run killed before its first checkpoint would otherwise be doubled
                err.println("no checkpoint in " + checkpoints + ": starting from " + policyDir);
            }
            run(trainer, checkpoints, pw);
            dp.maxDifferenceFromRankZero(trainedParameters(trainer)); // pairs with the other ranks' drift check
            dp.barrier(); // no rank reports success before rank 0 has saved the last checkpoint
        }
        pw.flush();
        return 0;
    }

    private static List<org.bytedeco.pytorch.Tensor> trainedParameters(PpoTrainer trainer) {
        return new ArrayList<>(trainer.trainedParameters().values());
    }

    private void run(PpoTrainer trainer, Path checkpoints, PrintWriter pw) {
        IterationStats last = null;
        IterationStats first = null;
        try (MetricsLog log = MetricsLog.open(out.resolve("metrics.jsonl"));
                BufferedWriter samples = Files.newBufferedWriter(out.resolve("samples.jsonl"), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                Progress bar = Progress.start("ppo", iterations, trainer.iteration(), "it", quiet, System.err)) {
            while (trainer.iteration() < iterations) {
                last = trainer.iterate();
                log.log(last.toMetrics());
                first = first == null ? last : first;
                for (String w : HackingSigns.DEFAULT.check(first, last)) {
                    spec.commandLine().getErr().println("warning: " + w);
                }
                for (IterationStats.Scored s : last.samples().subList(0, Math.min(logSamples, last.samples().size()))) {
                    ObjectNode o = Jsonl.mapper().createObjectNode();
                    o.put("iteration", last.iteration());
                    o.put("prompt", s.completion().prompt());
                    o.put("response", s.completion().response());
                    o.put("reward", s.reward());
                    o.put("truncated", s.completion().truncated());
                    samples.write(Jsonl.toLine(o));
                    samples.newLine();
                }
                samples.flush();
                if (trainer.iteration() % saveEvery == 0 || trainer.iteration() == iterations) {
                    CheckpointDirs.commit(checkpoints, String.format(Locale.ROOT, "iter-%06d", trainer.iteration()),
                            dir -> PpoCheckpoint.save(trainer, dir));
                    CheckpointDirs.prune(checkpoints, "iter-", keepLast);
                }
                bar.step();
                bar.message(String.format(Locale.ROOT, "reward %.3f kl %.3f", last.rewardRaw(), last.klPerSequence()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve("samples.jsonl"), e);
        }
        List<Map<String, Double>> rows = MetricsLog.read(out.resolve("metrics.jsonl"));
        MetricsLog.writeCsv(rows, out.resolve("metrics.csv"));
        Map<String, List<String>> panels = new LinkedHashMap<>();
        panels.put("reward", List.of("reward", "reward_shaped"));
        panels.put("KL to reference (per sequence)", List.of("kl"));
        panels.put("response length", List.of("response_length"));
        panels.put("losses", List.of("policy_loss", "value_loss"));
        panels.put("tokens/s", List.of("generation_tokens_per_s", "scoring_tokens_per_s", "training_tokens_per_s"));
        Plots.lines(rows, "iteration", panels, out.resolve("metrics.png"));
        if (last != null) {
            pw.printf(Locale.ROOT, "ppo: iteration %d, reward %.4f, kl %.4f, beta %.4f%n", last.iteration(), last.rewardRaw(),
                    last.klPerSequence(), trainer.klController().value());
        }
        CheckpointDirs.latest(checkpoints).ifPresent(p -> pw.println("checkpoint: " + p));
    }

    /** Exactly one reward source: a reward model, or --direct-reward or --pairwise-judge with one labeler. */
    private void checkRewardSource(LabelerSource labeler) {
        int sources = (rewardDir != null ? 1 : 0) + (directReward ? 1 : 0) + (pairwiseJudge ? 1 : 0);
        if (sources > 1) {
            throw new IllegalArgumentException("reward: expected exactly one of --reward-model DIR, --direct-reward or "
                    + "--pairwise-judge, found " + sources);
        }
        if (sources == 0) {
            throw new IllegalArgumentException("reward: expected --reward-model DIR, or --direct-reward or --pairwise-judge "
                    + "with --labeler DIR or --server URL --model NAME, found none");
        }
        if (directReward || pairwiseJudge) {
            labeler.validate(LabelerSource.Names.PLAIN);
        } else if (labeler.anyGiven()) {
            throw new IllegalArgumentException("--labeler, --server, --model, --api-key-env and --constitution: expected "
                    + "only with --direct-reward or --pairwise-judge, found them with --reward-model");
        }
    }

    private PairwiseJudgeConfig judgeConfig(PpoTrainingConfig cfg) {
        PairwiseJudgeConfig.Builder b = PairwiseJudgeConfig.builder(cfg.samplesPerPrompt())
                .rewardType(PairwiseJudgeConfig.RewardType.parse(judgeReward, "--judge-reward")).seed(seed);
        PairwiseJudgeConfig.Strategy s = PairwiseJudgeConfig.Strategy.parse(judgePairs, "--judge-pairs");
        return (s == PairwiseJudgeConfig.Strategy.ROUND_ROBIN ? b.roundRobin(judgeOpponents) : b.allPairs()).build();
    }

    private SequenceRewarder rewardModelRewarder(HfTokenizer tok) {
        requireSameTokenizer(policyDir, rewardDir);
        ScalarHeadModel rewardModel = ScalarHeadModel.load(rewardDir, dtypeFlag.of(rewardDir));
        rewardModel.freeze(n -> true);
        // train-rm encodes pairs in the policy's prompt format, so the policy's ids are scored as they are.
        return new RewardModelRewarder(rewardModel, minibatch, tok.specialTokens().padOrEos());
    }

    /** A value model from a sequence-classification folder, or from a causal LM with a fresh head (seeded). */
    private ScalarHeadModel loadValueModel(Path dir) {
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
            if (!ck.contains(ScalarHead.NAME)) {
                return ScalarHeadModel.fromCausalLm(dir, seed);
            }
        }
        return ScalarHeadModel.load(dir);
    }

    /** The reward model reads the policy's token ids as they are, so both folders must hold the same tokenizer. */
    private static void requireSameTokenizer(Path policy, Path reward) {
        Path a = policy.resolve("tokenizer.json");
        Path b = reward.resolve("tokenizer.json");
        try {
            if (Files.isRegularFile(b) && Files.mismatch(a, b) != -1) {
                throw new IllegalArgumentException("--reward-model: expected the policy's tokenizer (" + a
                        + "), found a different " + b + "; the reward model scores the policy's token ids unchanged");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compare " + a + " and " + b, e);
        }
    }

    /** Drops log lines of iterations after the checkpoint, so a resumed run's logs match an uninterrupted one. */
    private void truncateLogs(int iteration) {
        for (String name : List.of("metrics.jsonl", "samples.jsonl")) {
            Path file = out.resolve(name);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            List<String> kept = Jsonl.read(file, o -> o, BadLinePolicy.SKIP, w -> { }).stream()
                    .map(Line::value).filter(o -> o.path("iteration").asInt() <= iteration)
                    .map(Jsonl::toLine).collect(Collectors.toList());
            AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        }
    }

    private PpoTrainingConfig config() {
        AdvantageMode mode = AdvantageMode.parse(advantage, "--advantage");
        LossPath path = eager ? LossPath.EAGER : parse(LossPath.class, lossPath, "--loss-path");
        AdvantageWhitening whitening = whiten.equalsIgnoreCase("auto") ? null
                : parse(AdvantageWhitening.class, whiten, "--whiten-advantages");
        if (noWhiten) {
            if (whitening != null && whitening != AdvantageWhitening.NONE) {
                throw new IllegalArgumentException("--no-whiten-advantages: expected alone or with --whiten-advantages none, "
                        + "found --whiten-advantages " + whiten);
            }
            whitening = AdvantageWhitening.NONE;
        }
        Aggregation aggregation = lossAggregation.equalsIgnoreCase("auto") ? null
                : parse(Aggregation.class, lossAggregation, "--loss-aggregation");
        return PpoTrainingConfig.builder()
                .rollout(batchPrompts, samplesPerPrompt, maxNewTokens).sampling(temperature, topK, topP)
                .update(epochs, minibatch, gradAccum).optimizer(lr, 1e-8, weightDecay, maxGradNorm)
                .loss(clip, mode == AdvantageMode.GAE ? vfCoef : 0.0, valueClip, entCoef).gae(gamma, lambda)
                .whitening(whitening).earlyStopKl(earlyStopKl)
                .clipRange(clip, clipHigh != null ? clipHigh : clip).dualClip(dualClip)
                .lossAggregation(aggregation, lossNormConstant != null ? lossNormConstant : Double.NaN)
                .dynamicSampling(dynamicSampling, maxSamplingRounds).overlongShaping(overlongBuffer, overlongPenalty)
                .tisCap(tisCap).policyLoss(parse(PolicyLoss.class, policyLoss, "--policy-loss"))
                .kl(parse(KlEstimator.class, klEstimator, "--kl-estimator"), klCoef)
                .lossKl(parse(KlEstimator.class, lossKlEstimator, "--loss-kl-estimator")).adaptiveKl(targetKl, klHorizon)
                .shaping(new RewardShaping(missingEosPenalty, normalizeRewards, rewardClip))
                .advantageMode(mode).valueMode(sharedValue ? ValueMode.SHARED : ValueMode.SEPARATE).lossPath(path)
                .stopTokens(stopIds()).seed(seed).build();
    }

    /** The policy's stop ids as every stage uses them: generation_config ∪ config.json ∪ tokenizer eos. */
    private java.util.Set<Long> stopIds() {
        try (HfTokenizer t = HfTokenizer.load(policyDir)) {
            return promptFlags.open(policyDir, t, ModelConfig.load(policyDir)).stopIds();
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String value, String option) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value.replace('-', '_'))) {
                return e;
            }
        }
        throw new IllegalArgumentException(option + ": expected one of " + java.util.Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).collect(Collectors.joining(", "))
                + ", found '" + value + "'");
    }
}
