package org.rlaif4j.reward;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.dist.Shards;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.ScalarHead;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.model.safetensors.SafetensorsCheckpoint;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.model.PromptOptions;
import org.rlaif4j.model.tokenizer.HfTokenizer;
import org.rlaif4j.model.tokenizer.Tokenizer;
import org.rlaif4j.report.MetricsLog;
import org.rlaif4j.report.Plots;
import org.rlaif4j.train.AdamWConfig;
import org.rlaif4j.train.LrSchedule;
import org.rlaif4j.train.StepStats;
import org.rlaif4j.train.TrainStep;
import org.rlaif4j.train.TrainingCheckpoint;

/**
 * Trains a reward model on soft preference labels ({@link SoftLabelLoss}) and saves it as a
 * Hugging Face sequence-classification folder.
 *
 * <p>Everything that can be wrong with the input (files, lines, lengths) is checked before the
 * first step, so a bad dataset writes nothing. A run killed at any moment restarts from its newest
 * {@code checkpoint-N} when started again with the same settings: model, AdamW moments, step count
 * (and so the learning rate and the position in the seeded data order) are restored, and
 * {@code metrics.jsonl} is cut back to that step, so the finished run equals an uninterrupted one
 * (libtorch's generator is seeded from the step before each step, so dropout masks match too).
 */
public final class RewardTrainer {
    public static final String MODEL_DIR = "model";
    public static final String METRICS = "metrics.jsonl";
    public static final String CSV = "metrics.csv";
    public static final String PLOT = "train_rm.png";
    public static final String SUMMARY = "summary.json";

    /** Hooks for progress display; every method has a no-op default. */
    public interface Listener {
        default void started(long firstStep, long totalSteps, int trainPairs, int evalPairs, String init) {}

        default void stepped(StepStats stats, double trainAccuracy) {}

        default void evaluated(long step, PairwiseMetrics metrics) {}

        default void warning(String message) {}
    }

    private final RewardConfig config;
    private final Listener listener;
    private final DataParallel dp;
    private final PromptOptions prompts;

    public RewardTrainer(RewardConfig config, Listener listener) {
        this(config, listener, DataParallel.single());
    }

    /**
     * Data-parallel training: each of {@code dp.worldSize()} ranks takes its own {@code microBatch *
     * gradAccum} pairs of every step (so a step sees world × that many), gradients are averaged over
     * the ranks before clipping, and only rank 0 evaluates, writes metrics, checkpoints and the model
     * and calls {@code listener}. The incomplete last step of an epoch is dropped so every rank has a
     * full share.
     */
    public RewardTrainer(RewardConfig config, Listener listener, DataParallel dp) {
        this(config, listener, dp, PromptOptions.DEFAULT);
    }

    /** A trainer whose pairs are encoded in the model's prompt format under {@code prompts}. */
    public RewardTrainer(RewardConfig config, Listener listener, DataParallel dp, PromptOptions prompts) {
        this.prompts = prompts;
        this.config = config;
        this.dp = dp;
        this.listener = dp.isMain() ? listener : new Listener() { };
    }

    /** Runs (or resumes) the training described by the config. */
    public RewardResult run() {
        try (Tokenizer tokenizer = HfTokenizer.load(config.model())) {
            return run(tokenizer);
        }
    }

    private RewardResult run(Tokenizer tokenizer) {
        Path out = config.out();
        Path modelOut = out.resolve(MODEL_DIR);
        if (Files.exists(modelOut)) {
            throw new IllegalArgumentException(modelOut + ": already holds a trained reward model; pick another --out "
                    + "or remove it");
        }
        boolean fromRewardModel = hasScoreHead(config.model());
        ModelConfig modelConfig = ModelConfig.load(config.model());
        int maxLength = config.maxLength() == 0 ? modelConfig.maxPositions() : config.maxLength();
        if (maxLength > modelConfig.maxPositions()) {
            throw new IllegalArgumentException("--max-length: expected at most the model's max_position_embeddings = "
                    + modelConfig.maxPositions() + ", found " + maxLength);
        }
        List<String> warnings = new ArrayList<>();
        PairEncoder encoder = new PairEncoder(PromptFormat.load(config.model(), tokenizer, modelConfig, prompts), maxLength,
                config.truncation());
        List<PreferenceExample> all = PreferenceData.load(config.data(), encoder, config.badLines(), w -> {
            warnings.add(w);
            listener.warning(w);
        });
        PreferenceData.Split split = PreferenceData.split(all, config.evalFraction(), config.seed());
        int world = dp.worldSize();
        long stepsPerEpoch = Shards.stepsPerEpoch(split.train().size(), config.pairsPerStep(), world, "training pairs",
                "--micro-batch × --grad-accum");
        long totalSteps = config.maxSteps() > 0 ? config.maxSteps() : stepsPerEpoch * config.epochs();

        if (dp.isMain()) {
            AtomicDirectory.removeTemporaries(out);
        }
        ObjectNode trajectory = config.trajectoryJson();
        if (world > 1) {
            trajectory.put("world_size", world); // a resumed run must shard the data the same way
        }
        Optional<TrainingCheckpoint> resume = TrainingCheckpoint.latest(out);
        resume.ifPresent(c -> c.checkSameSettings(trajectory));
        long start = resume.map(TrainingCheckpoint::step).orElse(0L);
        dp.requireSame(start, "the step to resume from", "resuming a data-parallel run needs --out on storage every rank reads");
        ScalarHeadModel model = resume.isPresent() ? ScalarHeadModel.load(resume.get().dir())
                : fromRewardModel ? ScalarHeadModel.load(config.model())
                : ScalarHeadModel.fromCausalLm(config.model(), config.seed());
        String init = fromRewardModel ? "reward-model" : "causal-lm";
        RewardScorer scorer = new RewardScorer(model, encoder);
        dp.broadcast(new ArrayList<>(model.namedParameters().values())); // every rank starts from rank 0's weights

        LrSchedule base = config.cosine()
                ? LrSchedule.warmupCosine(config.lr(), Math.min(config.warmupSteps(), totalSteps), totalSteps, config.minLr())
                : warmupConstant(config.lr(), config.warmupSteps());
        // TrainStep counts from 0 in this process; shift so a resumed run continues the same schedule.
        TrainStep trainStep = new TrainStep(model, AdamWConfig.of(config.lr()).withWeightDecay(config.weightDecay()),
                s -> base.lr(s + start), config.maxGradNorm(), dp::averageGradients);
        resume.ifPresent(c -> c.loadOptimizer(trainStep.optimizer()));

        if (dp.isMain()) {
            MetricsLog.keepUpToStep(out.resolve(METRICS), start);
        }
        listener.started(start, totalSteps, split.train().size(), split.eval().size(), init);
        PairwiseMetrics evalMetrics = null;
        double lastLoss = Double.NaN;
        long trainNanos = 0;
        long trainedPairs = 0;
        try (MetricsLog metrics = dp.isMain() ? MetricsLog.open(out.resolve(METRICS)) : null) {
            if (dp.isMain() && start == 0 && !split.eval().isEmpty()) {
                evalMetrics = evaluate(scorer, split.eval(), 0, metrics);
            }
            List<PreferenceExample> order = null;
            long orderEpoch = -1;
            for (long step = start; step < totalSteps; step++) {
                long epoch = step / stepsPerEpoch;
                if (epoch != orderEpoch) {
                    order = epochOrder(split.train(), epoch);
                    orderEpoch = epoch;
                }
                long t0 = System.nanoTime();
                List<PreferenceExample> batch = Shards.rankShare(order, step % stepsPerEpoch, config.pairsPerStep(), dp);
                List<List<PreferenceExample>> micro = partition(batch, config.microBatch());
                double divisor = (double) batch.size() / micro.size();
                int[] correct = {0, 0};
                // dropout masks depend on the step alone, so a resumed run draws the same ones
                torch.manual_seed(config.seed() * 1_000_003L + step + 7_919L * dp.rank());
                model.train(true);
                StepStats stats = trainStep.step(micro, mb -> microBatchLoss(scorer, mb, divisor, correct));
                model.train(false);
                double[] reduced = dp.sum(new double[] {stats.loss(), correct[0], correct[1]}); // ranks' shares are equal
                lastLoss = reduced[0] / world;
                trainNanos += System.nanoTime() - t0;
                trainedPairs += (long) batch.size() * world; // shares are equal whenever world > 1
                stats = new StepStats(stats.step(), lastLoss, stats.gradNorm(), stats.lr());
                long done = step + 1;
                double trainAcc = reduced[2] == 0 ? Double.NaN : reduced[1] / reduced[2];
                Map<String, Number> row = new LinkedHashMap<>();
                row.put("step", done);
                row.put("epoch", (double) done / stepsPerEpoch);
                row.put("loss", stats.loss());
                row.put("train_accuracy", trainAcc);
                row.put("lr", stats.lr());
                row.put("grad_norm", stats.gradNorm());
                if (metrics != null) {
                    metrics.log(row);
                }
                listener.stepped(new StepStats(step, stats.loss(), stats.gradNorm(), stats.lr()), trainAcc);
                boolean last = done == totalSteps;
                if (dp.isMain() && !split.eval().isEmpty() && (last || (config.evalEvery() > 0 && done % config.evalEvery() == 0))) {
                    evalMetrics = evaluate(scorer, split.eval(), done, metrics);
                }
                if (dp.isMain() && !last && config.saveEvery() > 0 && done % config.saveEvery() == 0) {
                    TrainingCheckpoint.write(out, done, model::save, trainStep.optimizer(), trajectory);
                }
            }
        }
        RewardResult result = new RewardResult(modelOut, init, totalSteps, start, split.train().size(),
                split.eval().size(), warnings.size(), evalMetrics, lastLoss, world,
                dp.maxDifferenceFromRankZero(new ArrayList<>(model.namedParameters().values())),
                trainNanos == 0 ? Double.NaN : trainedPairs / (trainNanos / 1e9));
        if (dp.isMain()) {
            AtomicDirectory.write(modelOut, model::save);
            writeReports(out, result);
            for (TrainingCheckpoint c : TrainingCheckpoint.all(out)) {
                AtomicDirectory.deleteTree(c.dir()); // only needed to resume, and the run is complete
            }
        }
        dp.barrier(); // no rank reports success before rank 0 has saved the model
        return result;
    }

    private static Tensor microBatchLoss(RewardScorer scorer, List<PreferenceExample> mb, double divisor, int[] correct) {
        int m = mb.size();
        List<long[]> seqs = new ArrayList<>(2 * m);
        float[] p = new float[m];
        float[] w = new float[m];
        for (int i = 0; i < m; i++) {
            seqs.add(mb.get(i).idsA());
            p[i] = (float) mb.get(i).pA();
            w[i] = (float) mb.get(i).weight();
        }
        mb.forEach(e -> seqs.add(e.idsB()));
        Tensor s = scorer.scores(seqs);                                        // [2m]: A rows then B rows
        Tensor rA = s.narrow(0, 0, m);                                         // [m]
        Tensor rB = s.narrow(0, m, m);                                         // [m]
        float[] d = Ops.toFloats(rA.sub(rB));
        for (int i = 0; i < m; i++) {
            if (p[i] != 0.5f) {
                correct[1]++;
                if (p[i] > 0.5f ? d[i] > 0 : d[i] < 0) {
                    correct[0]++;
                }
            }
        }
        return SoftLabelLoss.weightedSum(rA, rB, Tensors.fromFloats(p, m), Tensors.fromFloats(w, m), divisor);
    }

    private PairwiseMetrics evaluate(RewardScorer scorer, List<PreferenceExample> eval, long step, MetricsLog log) {
        PairwiseMetrics m = evaluate(scorer, eval, config.evalBatch(), config.eceBins());
        if (log != null) {
            Map<String, Number> row = new LinkedHashMap<>();
            row.put("step", step);
            row.put("eval_loss", m.meanLoss());
            row.put("eval_accuracy", m.accuracy());
            row.put("eval_ece", m.ece());
            log.log(row);
        }
        listener.evaluated(step, m);
        return m;
    }

    /** Pairwise accuracy, loss and ECE of {@code scorer} on {@code pairs}, without gradients. */
    public static PairwiseMetrics evaluate(RewardScorer scorer, List<PreferenceExample> pairs, int batchSize, int eceBins) {
        List<long[]> seqs = new ArrayList<>(2 * pairs.size());
        pairs.forEach(e -> seqs.add(e.idsA()));
        pairs.forEach(e -> seqs.add(e.idsB()));
        double[] r = scorer.scoreEncoded(seqs, batchSize);
        double[] d = new double[pairs.size()];
        double[] p = new double[pairs.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = r[i] - r[pairs.size() + i];
            p[i] = pairs.get(i).pA();
        }
        return PairwiseMetrics.of(d, p, eceBins);
    }

    private List<PreferenceExample> epochOrder(List<PreferenceExample> train, long epoch) {
        List<PreferenceExample> order = new ArrayList<>(train);
        java.util.Collections.shuffle(order, new Random(config.seed() * 1_000_003L + epoch + 1));
        return order;
    }

    private static <T> List<List<T>> partition(List<T> items, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i += size) {
            out.add(items.subList(i, Math.min(items.size(), i + size)));
        }
        return out;
    }

    private static LrSchedule warmupConstant(double lr, long warmup) {
        return s -> s < warmup ? lr * (s + 1) / warmup : lr;
    }

    private static boolean hasScoreHead(Path dir) {
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            return c.contains(ScalarHead.NAME);
        }
    }

    private static void writeReports(Path out, RewardResult r) {
        List<Map<String, Double>> rows = MetricsLog.read(out.resolve(METRICS));
        MetricsLog.writeCsv(rows, out.resolve(CSV));
        Map<String, List<String>> panels = new LinkedHashMap<>();
        panels.put("loss", List.of("loss", "eval_loss"));
        panels.put("pairwise accuracy", List.of("train_accuracy", "eval_accuracy"));
        panels.put("expected calibration error (eval)", List.of("eval_ece"));
        Plots.lines(rows, "step", panels, out.resolve(PLOT));
        AtomicFiles.writeString(out.resolve(SUMMARY), summaryJson(r).toPrettyString());
    }

    /** The result as JSON (NaN as null). */
    public static ObjectNode summaryJson(RewardResult r) {
        ObjectNode o = Jsonl.mapper().createObjectNode();
        o.put("model", r.modelDir().toString());
        o.put("init", r.init());
        o.put("steps", r.steps());
        o.put("resumed_from_step", r.resumedFromStep());
        o.put("train_pairs", r.trainPairs());
        o.put("eval_pairs", r.evalPairs());
        o.put("skipped_lines", r.skippedLines());
        o.put("ranks", r.ranks());
        putNumber(o, "final_train_loss", r.finalLoss());
        putNumber(o, "pairs_per_s", r.pairsPerSecond());
        if (r.eval() != null) {
            ObjectNode e = o.putObject("eval");
            e.put("pairs", r.eval().pairs());
            putNumber(e, "accuracy", r.eval().accuracy());
            e.put("undecided_labels", r.eval().undecidedLabels());
            putNumber(e, "loss", r.eval().meanLoss());
            putNumber(e, "ece", r.eval().ece());
            e.put("ece_bins", r.eval().eceBins());
        }
        return o;
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }
}
