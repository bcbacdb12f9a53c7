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
 */
public final class SftTrainer {
    private final CausalLm model;
    private final Tokenizer tokenizer;
    private final SftConfig config;

    public SftTrainer(CausalLm model, Tokenizer tokenizer, SftConfig config) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.config = config;
    }

    /** What a run did: its metric rows and the last evaluation loss (NaN without eval examples). */
    public record Result(List<Map<String, Double>> metrics, double finalEvalLoss, Path finalModel) {}

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
        int stepsPerEpoch = (trainRows.size() + config.batchSize() - 1) / config.batchSize();
        long totalSteps = (long) stepsPerEpoch * config.epochs();
        TrainStep step = new TrainStep(model, AdamWConfig.of(config.lr()).withWeightDecay(config.weightDecay()),
                LrSchedule.warmupCosine(config.lr(), Math.min(config.warmupSteps(), totalSteps), totalSteps, config.lr() / 10),
                config.maxGradNorm());
        long pad = tokenizer.specialTokens().padOrEos();
        Path checkpoints = out.resolve("checkpoints");
        double evalLoss = Double.NaN;
        try (MetricsLog log = MetricsLog.open(out.resolve("metrics.jsonl"));
                Progress bar = Progress.start("sft", totalSteps, 0, "steps", quiet, err)) {
            for (int epoch = 0; epoch < config.epochs(); epoch++) {
                List<SftBatch.Encoded> order = new ArrayList<>(trainRows);
                Collections.shuffle(order, new Random(config.seed() * 1_000_003L + epoch));
                for (int s = 0; s < stepsPerEpoch; s++) {
                    List<SftBatch.Encoded> rows = order.subList(s * config.batchSize(),
                            Math.min(order.size(), (s + 1) * config.batchSize()));
                    long t0 = System.nanoTime();
                    long tokens = rows.stream().mapToLong(e -> e.tokens().length).sum();
                    StepStats st;
                    try (PointerScope scope = new PointerScope()) {
                        st = step.step(microBatches(rows, pad), b -> Losses.causalLm(
                                model.logits(b.ids(), b.attentionMask()), b.ids(), b.lossMask()));
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    Map<String, Number> row = new LinkedHashMap<>();
                    row.put("step", st.step() + 1);
                    row.put("epoch", epoch + (s + 1.0) / stepsPerEpoch);
                    row.put("loss", st.loss());
                    row.put("grad_norm", st.gradNorm());
                    row.put("lr", st.lr());
                    row.put("tokens_per_s", tokens / seconds);
                    long done = st.step() + 1;
                    boolean epochEnd = s == stepsPerEpoch - 1;
                    if (!evalRows.isEmpty() && ((config.evalEvery() > 0 && done % config.evalEvery() == 0) || epochEnd)) {
                        evalLoss = evalLoss(evalRows, pad);
                        row.put("eval_loss", evalLoss);
                    }
                    log.log(row);
                    if (config.saveEvery() > 0 && done % config.saveEvery() == 0 && done < totalSteps) {
                        CheckpointDirs.commit(checkpoints, String.format(Locale.ROOT, "step-%06d", done), model::save);
                        CheckpointDirs.prune(checkpoints, "step-", config.keepLast());
                    }
                    bar.step();
                    bar.message(String.format(Locale.ROOT, "loss %.4f", st.loss()));
                }
            }
            Path finalDir = CheckpointDirs.writeDir(out.resolve("final"), model::save);
            List<Map<String, Double>> rows = log.rows();
            MetricsLog.writeCsv(rows, out.resolve("metrics.csv"));
            Map<String, List<String>> panels = new LinkedHashMap<>();
            panels.put("loss", List.of("loss", "eval_loss"));
            panels.put("learning rate", List.of("lr"));
            Plots.lines(rows, "step", panels, out.resolve("metrics.png"));
            return new Result(rows, evalLoss, finalDir);
        }
    }

    /**
     * Mean next-token loss over the response tokens of {@code rows}, weighted by their number
     * (batches of {@code batchSize}), without gradients.
     */
    public double evalLoss(List<SftBatch.Encoded> rows, long pad) {
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
        return count == 0 ? Double.NaN : sum / count;
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
