package org.rlaif4j.sft;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.dist.Shards;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.tokenizer.Tokenizer;
import org.rlaif4j.report.MetricsLog;
import org.rlaif4j.report.Plots;
import org.rlaif4j.report.Progress;
import org.rlaif4j.train.AdamWConfig;
import org.rlaif4j.train.CheckpointDirs;
import org.rlaif4j.train.Losses;
import org.rlaif4j.train.LrSchedule;
import org.rlaif4j.train.StepStats;
import org.rlaif4j.train.TrainStep;

/**
 * Supervised fine-tuning of a causal LM on prompt/response pairs: next-token loss on the response
 * tokens only (the prompt is context), right-padded batches, an eval loss on a held-out split,
 * atomic Hugging Face checkpoints, and {@code metrics.jsonl} / CSV / PNG in the output folder.
 *
 * <p>Output folder layout: {@code metrics.jsonl}, {@code metrics.csv}, {@code metrics.png},
 * {@code checkpoints/step-NNNNNN/} (every {@code saveEvery} steps, the last {@code keepLast} kept),
 * {@code final/} (the trained model, tokenizer files copied along).
 *
 * <p>Data-parallel ({@link DataParallel} with several ranks): each rank takes its own {@code
 * batchSize} examples of every step (a step sees world × that many; an epoch's incomplete last step
 * is dropped so every rank has a full share), starts from rank 0's parameters, averages gradients
 * over the ranks before clipping, and evaluates its share of the eval examples (losses summed over
 * ranks); only rank 0 writes metrics, checkpoints and the final model and draws the progress bar.
 */
public final class SftTrainer {
    private final CausalLm model;
    private final Tokenizer tokenizer;
    private final SftConfig config;
    private final DataParallel dp;

    public SftTrainer(CausalLm model, Tokenizer tokenizer, SftConfig config) {
        this(model, tokenizer, config, DataParallel.single());
    }

    public SftTrainer(CausalLm model, Tokenizer tokenizer, SftConfig config, DataParallel dp) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.config = config;
        this.dp = dp;
    }

    /**
     * What a run did: its metric rows (empty on ranks other than 0), the last evaluation loss (NaN
     * without eval examples), the final model's folder (written by rank 0), the number of ranks and
     * the largest |difference| of this rank's parameters from rank 0's at the end (0 when in sync).
     */
    public record Result(List<Map<String, Double>> metrics, double finalEvalLoss, Path finalModel, int ranks,
            double maxDriftFromRankZero) {}

    /**
     * Trains on {@code train}, evaluating on {@code eval} (may be empty), writing into {@code out}.
     * {@code quiet} hides the progress bar (drawn on {@code err}).
     */
    public Result train(List<SftExample> train, List<SftExample> eval, Path out, boolean quiet, PrintStream err) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("train: expected at least one example, found none");
        }
        List<SftBatch.Encoded> trainRows = encodeAll(train);
        List<SftBatch.Encoded> evalRows = encodeAll(eval);
        int world = dp.worldSize();
        long stepsPerEpoch = Shards.stepsPerEpoch(trainRows.size(), config.batchSize(), world, "training examples",
                "--batch-size");
        long totalSteps = stepsPerEpoch * config.epochs();
        List<Tensor> params = new ArrayList<>(model.namedParameters().values());
        dp.broadcast(params); // every rank starts from rank 0's weights
        TrainStep step = new TrainStep(model, AdamWConfig.of(config.lr()).withWeightDecay(config.weightDecay()),
                LrSchedule.warmupCosine(config.lr(), Math.min(config.warmupSteps(), totalSteps), totalSteps, config.lr() / 10),
                config.maxGradNorm(), dp::averageGradients);
        long pad = tokenizer.specialTokens().padOrEos();
        Path checkpoints = out.resolve("checkpoints");
        double evalLoss = Double.NaN;
        List<Map<String, Double>> rows = List.of();
        try (MetricsLog log = dp.isMain() ? MetricsLog.open(out.resolve("metrics.jsonl")) : null;
                Progress bar = Progress.start("sft", totalSteps, 0, "steps", quiet || !dp.isMain(), err)) {
            for (int epoch = 0; epoch < config.epochs(); epoch++) {
                List<SftBatch.Encoded> order = new ArrayList<>(trainRows);
                Collections.shuffle(order, new Random(config.seed() * 1_000_003L + epoch));
                for (int s = 0; s < stepsPerEpoch; s++) {
                    List<SftBatch.Encoded> share = Shards.rankShare(order, s, config.batchSize(), dp);
                    long t0 = System.nanoTime();
                    long tokens = share.stream().mapToLong(e -> e.tokens().length).sum();
                    StepStats st;
                    try (PointerScope scope = new PointerScope()) {
                        st = step.step(microBatches(share, pad), b -> Losses.causalLm(
                                model.logits(b.ids(), b.attentionMask()), b.ids(), b.lossMask()));
                    }
                    double[] reduced = dp.sum(new double[] {st.loss(), tokens}); // shares are equal when world > 1
                    double loss = reduced[0] / world;
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    Map<String, Number> row = new LinkedHashMap<>();
                    row.put("step", st.step() + 1);
                    row.put("epoch", epoch + (s + 1.0) / stepsPerEpoch);
                    row.put("loss", loss);
                    row.put("grad_norm", st.gradNorm());
                    row.put("lr", st.lr());
                    row.put("tokens_per_s", reduced[1] / seconds);
                    long done = st.step() + 1;
                    boolean epochEnd = s == stepsPerEpoch - 1;
                    if (!evalRows.isEmpty() && ((config.evalEvery() > 0 && done % config.evalEvery() == 0) || epochEnd)) {
                        evalLoss = sharedEvalLoss(evalRows, pad);
                        row.put("eval_loss", evalLoss);
                    }
                    if (dp.isMain()) {
                        log.log(row);
                        if (config.saveEvery() > 0 && done % config.saveEvery() == 0 && done < totalSteps) {
                            CheckpointDirs.commit(checkpoints, String.format(Locale.ROOT, "step-%06d", done), model::save);
                            CheckpointDirs.prune(checkpoints, "step-", config.keepLast());
                        }
                    }
                    bar.step();
                    bar.message(String.format(Locale.ROOT, "loss %.4f", loss));
                }
            }
            if (dp.isMain()) {
                CheckpointDirs.writeDir(out.resolve("final"), model::save);
                rows = log.rows();
                MetricsLog.writeCsv(rows, out.resolve("metrics.csv"));
                Map<String, List<String>> panels = new LinkedHashMap<>();
                panels.put("loss", List.of("loss", "eval_loss"));
                panels.put("learning rate", List.of("lr"));
                Plots.lines(rows, "step", panels, out.resolve("metrics.png"));
            }
        }
        double drift = dp.maxDifferenceFromRankZero(params);
        dp.barrier(); // no rank reports success before rank 0 has saved the model
        return new Result(rows, evalLoss, out.resolve("final"), world, drift);
    }

    /** The eval loss over all ranks: each scores its contiguous share of {@code rows}, sums are added up. */
    private double sharedEvalLoss(List<SftBatch.Encoded> rows, long pad) {
        int n = rows.size();
        List<SftBatch.Encoded> share = rows.subList(n * dp.rank() / dp.worldSize(), n * (dp.rank() + 1) / dp.worldSize());
        double[] s = dp.sum(evalSums(share, pad));
        return s[1] == 0 ? Double.NaN : s[0] / s[1];
    }

    /**
     * Mean next-token loss over the response tokens of {@code rows}, weighted by their number
     * (batches of {@code batchSize}), without gradients.
     */
    public double evalLoss(List<SftBatch.Encoded> rows, long pad) {
        double[] s = evalSums(rows, pad);
        return s[1] == 0 ? Double.NaN : s[0] / s[1];
    }

    /** {summed token loss, target tokens} over {@code rows}. */
    private double[] evalSums(List<SftBatch.Encoded> rows, long pad) {
        double sum = 0;
        long count = 0;
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < rows.size(); i += config.batchSize()) {
                try (PointerScope scope = new PointerScope()) {
                    SftBatch b = SftBatch.of(rows.subList(i, Math.min(rows.size(), i + config.batchSize())), pad);
                    long n = b.targetTokens();
                    if (n > 0) {
                        sum += Losses.causalLm(model.logits(b.ids(), b.attentionMask()), b.ids(), b.lossMask())
                                .item_double() * n;
                        count += n;
                    }
                }
            }
        }
        return new double[] {sum, count};
    }

    /** Encodes examples with this trainer's tokenizer and length limit. */
    public List<SftBatch.Encoded> encodeAll(List<SftExample> examples) {
        List<SftBatch.Encoded> out = new ArrayList<>(examples.size());
        for (SftExample e : examples) {
            out.add(SftBatch.encode(e, tokenizer, config.maxLength()));
        }
        return out;
    }

    private List<SftBatch> microBatches(List<SftBatch.Encoded> rows, long pad) {
        int parts = Math.min(config.gradAccum(), rows.size());
        List<SftBatch> out = new ArrayList<>(parts);
        for (int i = 0; i < parts; i++) {
            int from = rows.size() * i / parts;
            int to = rows.size() * (i + 1) / parts;
            out.add(SftBatch.of(rows.subList(from, to), pad));
        }
        return out;
    }
}
