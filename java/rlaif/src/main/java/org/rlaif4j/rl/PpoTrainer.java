package org.rlaif4j.rl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.dist.Shards;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.GenerationConfig;
import org.rlaif4j.model.GenerationResult;
import org.rlaif4j.model.Generator;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.model.tokenizer.Tokenizer;
import org.rlaif4j.train.AdamWConfig;
import org.rlaif4j.train.Optimizers;

/**
 * PPO for language models against a {@link SequenceRewarder} (Ziegler et al. 2019; Stiennon et
 * al. 2020; Ouyang et al. 2022), its critic-free variants RLOO, GRPO, Dr. GRPO and REINFORCE++,
 * and DAPO's dynamic sampling and overlong shaping ({@link PpoTrainingConfig}). Each
 * {@link #iterate()}:
 *
 * <ol>
 *   <li>samples {@code samplesPerPrompt} responses to each of the iteration's prompts from the
 *       policy (KV cache, seeded by (seed, iteration));</li>
 *   <li>scores them with the rewarder and shapes the rewards ({@link RewardShaping}); computes the
 *       sampling policy's log-probs and entropy, the reference's log-probs and the values
 *       (no gradients, fused log-prob kernel);</li>
 *   <li>builds advantages ({@link Advantages}): GAE over {@link PerTokenRewards} (fused GAE kernel),
 *       group advantages (RLOO with the KL penalty in the reward; GRPO and Dr. GRPO with a KL term in
 *       the loss) or REINFORCE++ returns (optionally with a group baseline); normalises them as
 *       {@link AdvantageWhitening} says (fused masked whitening);</li>
 *   <li>runs {@code ppoEpochs} over shuffled minibatches with gradient accumulation, the loss by
 *       {@link LossPath}, clipping the global gradient norm, stopping early past the approx-KL
 *       bound; updates the KL controller.</li>
 * </ol>
 *
 * <p>Models stay in evaluation mode (no dropout), so the scoring and training forward passes
 * agree and the first minibatch's ratio is 1 up to float32 rounding. The sampling policy's
 * log-probs are recomputed by a full forward pass at the sampling temperature rather than taken
 * from the generator (which reports temperature-1 log-probs from incremental KV-cache steps). Every random choice derives from (seed, iteration),
 * so {@link PpoCheckpoint} needs only the parameters, optimizer moments, beta and the iteration
 * to resume a run exactly.
 *
 * <p>Data-parallel ({@link DataParallel} with W ranks): an iteration takes W × {@code batchPrompts}
 * prompts, rank r the r-th block of {@code batchPrompts}; each rank samples its prompts' responses
 * with its own seed (from (seed, iteration, rank)), scores them and computes their advantages
 * itself (a prompt's RLOO/GRPO group stays on one rank). What one process computes over the whole
 * batch is computed over all ranks' rows together: reward normalisation and advantage whitening
 * use the combined mean and variance, the KL controller sees the combined mean KL, and the update
 * ({@link PpoUpdate}) trains on the combined batch, so every rank takes the same decisions and
 * keeps the same parameters. The trained parameters start from rank 0's.
 */
public final class PpoTrainer {
    private final CausalLm policy;
    private final CausalLm reference;
    private final ScalarHeadModel valueModel;  // SEPARATE, critic only
    private final ScalarHeadModel sharedValue; // SHARED: head on the policy backbone, critic only
    private final SequenceRewarder rewarder;
    private final Tokenizer tokenizer;
    private final PromptFormat format;
    private final Map<String, Prompt> promptsByKey; // the schedule holds keys: a conversation's is its JSON
    private final PpoTrainingConfig cfg;
    private final PromptSchedule schedule;
    private final PromptSchedule extraSchedule; // dynamic sampling's further rounds
    private final KlController kl;
    private final Map<String, Tensor> trained;
    private final AdamW optimizer;
    private final Set<Long> stopTokens;
    private final long padId;
    private final DataParallel dp;
    private final RankStats ranks;
    private int iteration;
    private int skippedMinibatches;

    /**
     * @param reference a separate, frozen copy of the starting policy (frozen here)
     * @param valueModel the value model when {@code cfg.valueMode()} is SEPARATE with GAE; else null.
     *     In SHARED mode a fresh head (seeded) is put on the policy's backbone.
     * @param prompts the prompt texts, read in seeded passes
     */
    public PpoTrainer(CausalLm policy, CausalLm reference, ScalarHeadModel valueModel, SequenceRewarder rewarder,
            Tokenizer tokenizer, List<String> prompts, PpoTrainingConfig cfg) {
        this(policy, reference, valueModel, rewarder, tokenizer, prompts, cfg, DataParallel.single());
    }

    /**
     * Data-parallel training over {@code dp}'s ranks (see the class comment); every rank constructs
     * its trainer with the same settings and prompts, and the trained parameters are broadcast from
     * rank 0 here.
     */
    public PpoTrainer(CausalLm policy, CausalLm reference, ScalarHeadModel valueModel, SequenceRewarder rewarder,
            Tokenizer tokenizer, List<String> prompts, PpoTrainingConfig cfg, DataParallel dp) {
        this(policy, reference, valueModel, rewarder, PromptFormat.plain(tokenizer),
                prompts.stream().map(Prompt::text).toList(), cfg, dp);
    }

    /**
     * As above, with prompts that may be conversations, encoded through {@code format} (the policy's
     * chat template and post-processor, as every other stage encodes them).
     */
    public PpoTrainer(CausalLm policy, CausalLm reference, ScalarHeadModel valueModel, SequenceRewarder rewarder,
            PromptFormat format, List<Prompt> prompts, PpoTrainingConfig cfg, DataParallel dp) {
        Tokenizer tokenizer = format.tokenizer();
        if (policy == reference) {
            throw new IllegalArgumentException("reference: expected a separate copy of the policy, found the policy itself");
        }
        boolean separate = cfg.usesCritic() && cfg.valueMode() == ValueMode.SEPARATE;
        if (separate != (valueModel != null)) {
            throw new IllegalArgumentException("valueModel: expected " + (separate ? "a value model" : "null")
                    + " for advantageMode " + cfg.advantageMode() + " and valueMode " + cfg.valueMode()
                    + ", found " + (valueModel == null ? "null" : "a model"));
        }
        if (tokenizer.vocabSize() > policy.config().vocabSize()) {
            throw new IllegalArgumentException("tokenizer: expected at most " + policy.config().vocabSize()
                    + " tokens (the policy's vocab_size), found " + tokenizer.vocabSize());
        }
        this.policy = policy;
        this.reference = reference;
        this.valueModel = valueModel;
        this.sharedValue = cfg.usesCritic() && cfg.valueMode() == ValueMode.SHARED
                ? ScalarHeadModel.withFreshHead(policy.backbone(), Seeds.mix(cfg.seed(), 3)) : null;
        this.rewarder = rewarder;
        this.tokenizer = tokenizer;
        this.cfg = cfg;
        this.dp = dp;
        this.ranks = new RankStats(dp);
        this.format = format;
        Map<String, Prompt> byKey = new LinkedHashMap<>();
        prompts.forEach(p -> byKey.putIfAbsent(p.key(), p));
        this.promptsByKey = byKey;
        this.schedule = new PromptSchedule(prompts.stream().map(Prompt::key).toList(), cfg.batchPrompts() * dp.worldSize(),
                cfg.seed());
        this.extraSchedule = new PromptSchedule(prompts.stream().map(Prompt::key).toList(),
                cfg.batchPrompts() * dp.worldSize(), Seeds.mix(cfg.seed(), 0xDA90));
        this.kl = cfg.targetKl() > 0 ? KlController.adaptive(cfg.klCoef(), cfg.targetKl(), cfg.klHorizon())
                : KlController.fixed(cfg.klCoef());
        reference.freeze(name -> true);
        this.trained = new LinkedHashMap<>();
        policy.namedParameters().forEach((n, t) -> trained.put("policy." + n, t));
        if (valueModel != null) {
            valueModel.namedParameters().forEach((n, t) -> trained.put("value." + n, t));
        }
        if (sharedValue != null) {
            trained.put("value." + org.rlaif4j.model.ScalarHead.NAME, sharedValue.head().weight());
        }
        this.optimizer = Optimizers.adamW(trained, new AdamWConfig(cfg.lr(), 0.9, 0.999, cfg.adamEps(), cfg.weightDecay()));
        this.optimizer.retainReference(); // outlives any scope open around the constructor
        long eos = tokenizer.specialTokens().eos();
        this.stopTokens = !cfg.stopTokenIds().isEmpty() ? cfg.stopTokenIds() : eos >= 0 ? Set.of(eos) : Set.of();
        this.padId = tokenizer.specialTokens().padOrEos();
        dp.broadcast(new ArrayList<>(trained.values())); // every rank starts from rank 0's weights
    }

    /** Iterations finished so far (the next one is {@code iteration() + 1}). */
    public int iteration() {
        return iteration;
    }

    public KlController klController() {
        return kl;
    }

    public PpoTrainingConfig config() {
        return cfg;
    }

    public CausalLm policy() {
        return policy;
    }

    /** The separate value model, the shared-backbone value model, or null without a critic. */
    public ScalarHeadModel valueModel() {
        return valueModel != null ? valueModel : sharedValue;
    }

    AdamW optimizer() {
        return optimizer;
    }

    /** Every trained tensor by name ("policy.*", "value.*"). */
    public Map<String, Tensor> trainedParameters() {
        return Collections.unmodifiableMap(trained);
    }

    /** Minibatches skipped for a non-finite loss or gradient since the run began. */
    public int skippedMinibatches() {
        return skippedMinibatches;
    }

    void restoreIteration(int it, double beta) {
        restoreIteration(it, beta, 0);
    }

    void restoreIteration(int it, double beta, int skipped) {
        this.iteration = it;
        this.skippedMinibatches = skipped;
        kl.setValue(beta);
    }

    /** Runs one iteration: rollouts, scoring, advantages, PPO update. */
    public IterationStats iterate() {
        try (PointerScope scope = new PointerScope()) {
            long t0 = System.nanoTime();
            Sampled s = cfg.dynamicSampling() ? sampleDynamically() : new Sampled(rollout(), null, 1);
            return learn(s.rollout(), s.taskRewards(), s.rounds(), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** One iteration on given rollouts (this rank's rows) instead of sampled ones. */
    IterationStats iterate(Rollout given) {
        try (PointerScope scope = new PointerScope()) {
            return learn(given, null, 1, 0);
        }
    }

    /** This rank's rollouts of the current iteration. */
    Rollout rollout() {
        // each rank its own samples; one process keeps the seed it always had
        long seed = dp.worldSize() == 1 ? Seeds.mix(cfg.seed(), 1, iteration) : Seeds.mix(cfg.seed(), 1, iteration, dp.rank());
        return rollout(Shards.rankShare(schedule.prompts(iteration), 0, cfg.batchPrompts(), dp), seed);
    }

    /** A batch of rollouts, with its task rewards when sampling already scored it (else null), and the sampling rounds. */
    private record Sampled(Rollout rollout, float[] taskRewards, int rounds) {}

    /**
     * DAPO's dynamic sampling: groups whose task rewards are all equal (zero advantage) are set
     * aside and more prompts are sampled, in up to {@code maxSamplingRounds} rounds, until
     * {@code batchPrompts} groups with reward variance are kept; a batch still short is topped up
     * with the set-aside groups (in sampling order), so every rank trains on the same number of rows.
     * Extra rounds draw prompts from a second seeded schedule and sample with their own seeds, so
     * the iteration still depends only on (seed, iteration).
     */
    private Sampled sampleDynamically() {
        int k = cfg.samplesPerPrompt();
        record Row(Completion completion, float[] samplingLogProbs, float reward) {}
        List<Row> kept = new ArrayList<>();
        List<Row> setAside = new ArrayList<>();
        int rounds = 0;
        while (kept.size() < cfg.rows() && rounds < cfg.maxSamplingRounds()) {
            Rollout r;
            if (rounds == 0) {
                r = rollout();
            } else {
                long index = (long) iteration * (cfg.maxSamplingRounds() - 1) + rounds - 1;
                r = rollout(Shards.rankShare(extraSchedule.prompts(index), 0, cfg.batchPrompts(), dp),
                        Seeds.mix(cfg.seed(), 4, iteration, dp.rank(), rounds));
            }
            float[] task = taskRewards(score(r.completions()), r.lengths());
            for (int g = 0; g < r.rows() / k; g++) {
                List<Row> to = GroupAdvantages.uniform(task, k, g) ? setAside : kept;
                for (int i = g * k; i < (g + 1) * k; i++) {
                    to.add(new Row(r.completions().get(i), r.samplingLogProbs().get(i), task[i]));
                }
            }
            rounds++;
        }
        List<Row> rows = new ArrayList<>(kept.subList(0, Math.min(kept.size(), cfg.rows())));
        rows.addAll(setAside.subList(0, cfg.rows() - rows.size()));
        float[] task = new float[rows.size()];
        for (int i = 0; i < task.length; i++) {
            task[i] = rows.get(i).reward();
        }
        return new Sampled(Rollout.fromCompletions(rows.stream().map(Row::completion).toList(),
                rows.stream().map(Row::samplingLogProbs).toList(), padId), task, rounds);
    }

    private Rollout rollout(List<String> prompts, long seed) {
        List<String> rowPrompts = new ArrayList<>();
        List<long[]> promptIds = new ArrayList<>();
        int maxPrompt = policy.config().maxPositions() - cfg.maxNewTokens();
        for (String p : prompts) {
            long[] ids = encodePrompt(p, maxPrompt);
            for (int j = 0; j < cfg.samplesPerPrompt(); j++) {
                rowPrompts.add(p);
                promptIds.add(ids);
            }
        }
        GenerationConfig gen = new GenerationConfig(cfg.maxNewTokens(), true, cfg.temperature(), cfg.topK(), cfg.topP(),
                stopTokens, padId, seed, true);
        GenerationResult g = new Generator(policy).generate(promptIds, gen);
        int b = promptIds.size();
        List<Completion> completions = new ArrayList<>(b);
        List<float[]> samplingLogProbs = new ArrayList<>(b);
        boolean[] truncated = new boolean[b];
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) {
            long[] resp = g.generatedTokens(i);
            samplingLogProbs.add(g.generatedSamplingLogProbs(i));
            lengths[i] = resp.length;
            truncated[i] = resp.length == 0 || !stopTokens.contains(resp[resp.length - 1]);
            completions.add(new Completion(promptsByKey.get(rowPrompts.get(i)).asText(), tokenizer.decode(resp),
                    promptIds.get(i), resp, truncated[i]));
        }
        return new Rollout(completions, g.sequences(), g.attentionMask(), g.promptLength(), g.generatedLength(), truncated,
                lengths, samplingLogProbs);
    }

    private float[] score(List<Completion> completions) {
        float[] raw = rewarder.score(completions);
        if (raw.length != completions.size()) {
            throw new IllegalStateException("rewarder: expected " + completions.size()
                    + " rewards (one per completion), found " + raw.length);
        }
        return raw;
    }

    /** The rewarder's rewards plus DAPO's overlong penalty (when on): what the advantages are built from. */
    private float[] taskRewards(float[] raw, int[] lengths) {
        float[] out = raw.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += (float) cfg.overlongShaping(lengths[i]);
        }
        return out;
    }

    private IterationStats learn(Rollout rollout, float[] sampledTaskRewards, int samplingRounds,
            double generationSeconds) {
        long t1 = System.nanoTime();
        int b = rollout.rows();
        int p = rollout.promptLength();
        int n = rollout.generatedLength();
        Tensor seq = rollout.seq();                                         // [B, P + N]
        Tensor attn = rollout.attn();                                       // [B, P + N]
        Tensor targets = seq.narrow(1, p, n).contiguous();                  // [B, N]
        Tensor mask = attn.narrow(1, p, n).to(ScalarType.Bool).contiguous(); // [B, N]
        List<Completion> completions = rollout.completions();
        boolean[] truncated = rollout.truncated();
        int[] lengths = rollout.lengths();

        // 2. Scoring: rewards, sampling-policy and reference log-probs, values.
        float[] task = sampledTaskRewards != null ? sampledTaskRewards : taskRewards(score(completions), lengths);
        float[] shaped = cfg.shaping().apply(task, truncated, dp::sum);
        boolean eager = cfg.lossPath() == LossPath.EAGER;
        int chunk = cfg.minibatchSize();
        Scoring.Scores old = Scoring.policy(policy, sharedValue == null ? null : sharedValue.head(), seq, attn, p, n,
                targets, mask, cfg.temperature(), eager, chunk);
        Scoring.Scores ref = Scoring.policy(reference, null, seq, attn, p, n, targets, mask, cfg.temperature(), eager, chunk);
        Tensor values = valueModel != null ? Scoring.values(valueModel, seq, attn, p, n, mask, chunk) : old.values();
        long t2 = System.nanoTime();

        // 3. Advantages.
        double beta = kl.value();
        Advantages.Result adv = Advantages.compute(cfg, shaped, old.logp(), ref.logp(), values, mask, lengths, beta, eager,
                ranks);
        float[] seqKl = adv.sequenceKl();
        Tensor advantages = adv.advantages();
        Tensor returns = adv.returns();
        Tensor refForLoss = cfg.advantageMode().klInLoss() ? ref.logp() : null;
        int uniformGroups = 0;
        if (cfg.advantageMode().groupRelative()) {
            int k = cfg.samplesPerPrompt();
            for (int g = 0; g < b / k; g++) {
                uniformGroups += GroupAdvantages.uniform(task, k, g) ? 1 : 0;
            }
        }

        // Behaviour-policy correction: how far the sampler's log-probs are from the scored ones, and
        // (tisCap > 0) the truncated importance weights min(pi_old / pi_sampler, cap) per token.
        Map<String, Number> extra = new LinkedHashMap<>(rewarder.metrics());
        Tensor isWeights = behaviourCorrection(rollout.samplingLogProbTensor(), old.logp(), mask, extra);

        // 4. PPO epochs.
        PpoUpdate.Stats u = new PpoUpdate(cfg, optimizer, trainableParameters(),
                new PpoObjective(policy, valueModel, sharedValue, cfg.lossPath(), cfg.temperature()), dp)
                .run(new PpoUpdate.Batch(seq, attn, p, targets, mask, old.logp(), refForLoss, advantages, values, returns,
                        lengths, isWeights), iteration, beta);
        long t3 = System.nanoTime();

        skippedMinibatches += u.skipped();
        if (skippedMinibatches > cfg.maxSkippedMinibatches()) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                    "training diverged: %d minibatches had a NaN or infinite loss or gradient (limit %d, "
                            + "maxSkippedMinibatches); the last checkpoint is intact: lower the learning rate and resume",
                    skippedMinibatches, cfg.maxSkippedMinibatches()));
        }
        double truncatedCount = 0;
        for (boolean t : truncated) {
            truncatedCount += t ? 1 : 0;
        }
        long generated = Arrays.stream(lengths).asLongStream().sum();
        // means over all ranks' rows, so the KL controller (and the metrics) see the combined batch
        double[] tot = ranks.sum(sum(task), sum(shaped), sum(seqKl), generated, truncatedCount, b, (double) b * (p + n),
                uniformGroups);
        double rows = tot[5];
        double meanKl = tot[2] / rows;
        kl.update(meanKl, (int) rows);
        iteration++;
        List<IterationStats.Scored> samples = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            samples.add(new IterationStats.Scored(completions.get(i), task[i]));
        }
        return new IterationStats(iteration, tot[0] / rows, tot[1] / rows, meanKl, beta,
                ranks.stats(old.entropy(), mask).mean(), tot[3] / rows, tot[4] / rows, u.policyLoss(),
                u.valueLoss(), u.clipFraction(), u.approxKl(), u.ratioMean(), u.gradNorm(),
                values == null ? Double.NaN : explainedVariance(values, returns, mask), u.minibatches(), u.skipped(), u.earlyStopped(),
                generationSeconds, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (long) tot[3], (long) tot[6],
                u.trainedRows() * (p + n), samplingRounds, (int) tot[7], extra, samples);
    }

    /**
     * Logs {@code sampler_logp_gap}, the mean over all ranks' valid tokens of oldLogp - samplerLogp
     * (0 when the generator samples exactly the scored distribution; the KV cache, the dtype and
     * top-k / top-p move it), and with {@code tisCap > 0} returns the TIS weights
     * {@code min(exp(oldLogp - samplerLogp), tisCap)} (0 where masked), logging their mean and the
     * fraction of tokens at the cap. Null without TIS.
     */
    private Tensor behaviourCorrection(Tensor samplerLogp, Tensor oldLogp, Tensor mask, Map<String, Number> extra) {
        if (samplerLogp == null) {
            if (cfg.tisCap() > 0) {
                throw new IllegalArgumentException("tisCap: expected rollouts with the sampler's log-probs, found none");
            }
            return null;
        }
        Tensor gap = oldLogp.sub(samplerLogp).mul(mask.to(ScalarType.Float)).contiguous();
        extra.put("sampler_logp_gap", ranks.stats(gap, mask).mean());
        if (cfg.tisCap() <= 0) {
            return null;
        }
        Tensor w = gap.clamp(new org.bytedeco.pytorch.ScalarOptional(Ops.scalar(-20.0)),
                new org.bytedeco.pytorch.ScalarOptional(Ops.scalar(20.0))).exp()
                .clamp(new org.bytedeco.pytorch.ScalarOptional(), new org.bytedeco.pytorch.ScalarOptional(Ops.scalar(cfg.tisCap())))
                .mul(mask.to(ScalarType.Float)).contiguous();
        Tensor capped = w.ge(Ops.scalar(cfg.tisCap())).logical_and(mask).to(ScalarType.Float).contiguous();
        extra.put("tis_weight_mean", ranks.stats(w, mask).mean());
        extra.put("tis_capped_fraction", ranks.stats(capped, mask).mean());
        return w;
    }

    private List<Tensor> trainableParameters() {
        List<Tensor> params = new ArrayList<>(trained.values());
        params.removeIf(t -> !t.requires_grad());
        return params;
    }

    private long[] encodePrompt(String key, int maxTokens) {
        long[] ids = format.promptIds(promptsByKey.get(key)); // the same ids every other stage gives
        if (ids.length == 0) {
            throw new IllegalArgumentException("prompt: expected at least one token, found none for '" + key + "'");
        }
        return ids.length > maxTokens ? Arrays.copyOfRange(ids, ids.length - maxTokens, ids.length) : ids;
    }

    private double explainedVariance(Tensor values, Tensor returns, Tensor mask) {
        double varReturns = ranks.stats(returns, mask).variance();
        double varResidual = ranks.stats(returns.sub(values).contiguous(), mask).variance();
        return 1.0 - varResidual / varReturns;
    }

    private static double sum(float[] x) {
        double s = 0;
        for (float v : x) {
            s += v;
        }
        return s;
    }
}
