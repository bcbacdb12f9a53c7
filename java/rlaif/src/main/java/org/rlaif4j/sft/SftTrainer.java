package org.rlaif4j.sft;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.LongConsumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.dist.Shards;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.PromptFormat;
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
import org.rlaif4j.train.TrainingCheckpoint;

/**
 * Supervised fine-tuning of a causal LM on prompt/response pairs: next-token loss on the response
 * tokens only (the prompt is context), right-padded batches, an eval loss on a held-out split,
 * atomic Hugging Face checkpoints, and {@code metrics.jsonl} / CSV / PNG in the output folder.
 *
 * <p>Output folder layout: {@code metrics.jsonl}, {@code metrics.csv}, {@code metrics.png},
 * {@code checkpoints/step-NNNNNN/} (every {@code saveEvery} steps, the last {@code keepLast} kept,
 * {@code checkpoints/latest} naming the newest: each a Hugging Face folder plus {@code optimizer.pt} and
 * {@code trainer_state.json}, a {@link TrainingCheckpoint} written whole), {@code final/} (the trained
 * model, tokenizer files copied along).
 *
 * <p>Resuming ({@code train(..., resume = true, ...)}): the newest checkpoint's model, AdamW state and
 * step are restored; the data order (seeded by epoch), the position in it and the learning rate all
 * follow from the step, and no dropout is drawn (the model stays in eval mode), so the resumed run
 * ends with the parameters of an uninterrupted one and {@code metrics.jsonl} holds each step once.
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
    private final PromptFormat format;
    private final SftConfig config;
    private final DataParallel dp;
    private LongConsumer afterStep = done -> { };

    /** The folder of the step checkpoints under the output folder. */
    public static final String CHECKPOINTS = "checkpoints";

    public SftTrainer(CausalLm model, Tokenizer tokenizer, SftConfig config) {
        this(model, tokenizer, config, DataParallel.single());
    }

    public SftTrainer(CausalLm model, Tokenizer tokenizer, SftConfig config, DataParallel dp) {
        this(model, PromptFormat.plain(tokenizer), config, dp);
    }

    /** A trainer that encodes through {@code format} (a checkpoint's chat template and stop tokens). */
    public SftTrainer(CausalLm model, PromptFormat format, SftConfig config, DataParallel dp) {
        this.model = model;
        this.tokenizer = format.tokenizer();
        this.format = format;
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
     * Called on every rank after each optimizer step (and after that step's checkpoint, if any) with
     * the number of steps done; an exception thrown here ends the run as a kill would, which tests use
     * to interrupt a run. Returns this trainer.
     */
    public SftTrainer afterEachStep(LongConsumer hook) {
        this.afterStep = hook;
        return this;
    }

    /**
     * Trains from the start on {@code train}, evaluating on {@code eval} (may be empty), writing into
     * {@code out} (refused when {@code out/checkpoints} holds a checkpoint: resume it or pick another
     * folder). {@code quiet} hides the progress bar (drawn on {@code err}).
     */
    public Result train(List<SftExample> train, List<SftExample> eval, Path out, boolean quiet, PrintStream err) {
        return train(train, eval, out, false, quiet, err);
    }

    /**
     * As {@link #train(List, List, Path, boolean, PrintStream)}; with {@code resume}, continues from
     * the checkpoint {@code out/checkpoints/latest} names (model, AdamW state, step, and so the data
     * order position and the learning rate), after checking it was written with the same trajectory
     * settings ({@link #trajectory}); {@code metrics.jsonl} is cut back to that step first. With
     * {@code resume} and no checkpoint, starts from the start (as {@code ppo --resume} does). The
     * finished run equals an uninterrupted one.
     */
    public Result train(List<SftExample> train, List<SftExample> eval, Path out, boolean resume, boolean quiet,
            PrintStream err) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("train: expected at least one example, found none");
        }
        List<SftBatch.Encoded> trainRows = encodeAll(train);
        List<SftBatch.Encoded> evalRows = encodeAll(eval);
        int world = dp.worldSize();
        long stepsPerEpoch = Shards.stepsPerEpoch(trainRows.size(), config.batchSize(), world, "training examples",
                "--batch-size");
        long totalSteps = stepsPerEpoch * config.epochs();
        Path checkpoints = out.resolve(CHECKPOINTS);
        if (dp.isMain()) {
            AtomicFiles.removeTemporaryDirectories(checkpoints); // leftovers of a killed checkpoint write
            AtomicFiles.removeTemporaryDirectories(out);
        }
        Optional<Path> latest = CheckpointDirs.latest(checkpoints);
        if (latest.isPresent() && !resume) {
            throw new IllegalArgumentException(out + ": holds checkpoints (" + latest.get().getFileName()
                    + "); pass --resume to continue, or choose an empty --out");
        }
        ObjectNode trajectory = trajectory(trainRows, world);
        TrainingCheckpoint from = latest.map(TrainingCheckpoint::read).orElse(null);
        if (from != null) {
            from.checkSameSettings(trajectory);
        }
        long start = from == null ? 0 : from.step();
        dp.requireSame(start, "the step to resume from", "resuming a data-parallel run needs --out on storage every rank reads");
        if (from != null) {
            loadWeights(from.dir());
        }
        List<Tensor> params = new ArrayList<>(model.namedParameters().values());
        dp.broadcast(params); // every rank starts from rank 0's weights
        LrSchedule base = LrSchedule.warmupCosine(config.lr(), Math.min(config.warmupSteps(), totalSteps), totalSteps,
                config.lr() / 10);
        // TrainStep counts from 0 in this process; shift so a resumed run continues the same schedule.
        TrainStep step = new TrainStep(model, AdamWConfig.of(config.lr()).withWeightDecay(config.weightDecay()),
                s -> base.lr(s + start), config.maxGradNorm(), dp::averageGradients);
        if (from != null) {
            from.loadOptimizer(step.optimizer());
        }
        long pad = tokenizer.specialTokens().padOrEos();
        Path metricsFile = out.resolve("metrics.jsonl");
        if (dp.isMain()) {
            MetricsLog.keepUpToStep(metricsFile, start); // rows the resumed run logs again (or a fresh run's) go
            if (from != null) {
                err.printf(Locale.ROOT, "sft: resuming after step %d of %d from %s%n", start, totalSteps, from.dir());
            }
        }
        double evalLoss = Double.NaN;
        List<Map<String, Double>> rows = List.of();
        try (MetricsLog log = dp.isMain() ? MetricsLog.open(metricsFile) : null;
                Progress bar = Progress.start("sft", totalSteps, start, "steps", quiet || !dp.isMain(), err)) {
            List<SftBatch.Encoded> order = null;
            long orderEpoch = -1;
            for (long done0 = start; done0 < totalSteps; done0++) {
                long epoch = done0 / stepsPerEpoch;
                long s = done0 % stepsPerEpoch;
                if (epoch != orderEpoch) { // the order depends on (seed, epoch) alone
                    order = new ArrayList<>(trainRows);
                    Collections.shuffle(order, new Random(config.seed() * 1_000_003L + epoch));
                    orderEpoch = epoch;
                }
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
                long done = done0 + 1;
                Map<String, Number> row = new LinkedHashMap<>();
                row.put("step", done);
                row.put("epoch", epoch + (s + 1.0) / stepsPerEpoch);
                row.put("loss", loss);
                row.put("grad_norm", st.gradNorm());
                row.put("lr", st.lr());
                row.put("tokens_per_s", reduced[1] / seconds);
                boolean epochEnd = s == stepsPerEpoch - 1;
                if (!evalRows.isEmpty() && ((config.evalEvery() > 0 && done % config.evalEvery() == 0) || epochEnd)) {
                    evalLoss = sharedEvalLoss(evalRows, pad);
                    row.put("eval_loss", evalLoss);
                }
                if (dp.isMain()) {
                    log.log(row);
                    if (config.saveEvery() > 0 && done % config.saveEvery() == 0 && done < totalSteps) {
                        CheckpointDirs.commit(checkpoints, String.format(Locale.ROOT, "step-%06d", done),
                                dir -> TrainingCheckpoint.fill(dir, done, model::save, step.optimizer(), trajectory));
                        CheckpointDirs.prune(checkpoints, "step-", config.keepLast());
                    }
                }
                bar.step();
                bar.message(String.format(Locale.ROOT, "loss %.4f", loss));
                afterStep.accept(done);
            }
            if (dp.isMain()) {
                CheckpointDirs.writeDir(out.resolve("final"), model::save);
            }
        }
        if (dp.isMain()) {
            rows = MetricsLog.read(metricsFile); // with the rows of the run this one resumed
            MetricsLog.writeCsv(rows, out.resolve("metrics.csv"));
            Map<String, List<String>> panels = new LinkedHashMap<>();
            panels.put("loss", List.of("loss", "eval_loss"));
            panels.put("learning rate", List.of("lr"));
            Plots.lines(rows, "step", panels, out.resolve("metrics.png"));
        }
        double drift = dp.maxDifferenceFromRankZero(params);
        dp.barrier(); // no rank reports success before rank 0 has saved the model
        return new Result(rows, evalLoss, out.resolve("final"), world, drift);
    }

    /**
     * The settings a checkpoint must share with the run resuming it: everything that decides the
     * parameters reached at a step (the starting model's folder, a digest of the encoded training
     * examples in their order, hence also the tokenizer and the length limit, the number of ranks,
     * epochs, batch, accumulation, optimizer, schedule and seed). Eval, save and keep settings may change.
     */
    ObjectNode trajectory(List<SftBatch.Encoded> trainRows, int world) {
        ObjectNode o = Jsonl.mapper().createObjectNode();
        if (model.sourceDir() != null) {
            o.put("model", model.sourceDir().toAbsolutePath().normalize().toString());
        }
        o.put("train_examples", trainRows.size()).put("train_sha256", digest(trainRows)).put("world_size", world);
        o.put("epochs", config.epochs()).put("batch_size", config.batchSize()).put("grad_accum", config.gradAccum());
        o.put("lr", config.lr()).put("warmup_steps", config.warmupSteps()).put("weight_decay", config.weightDecay());
        o.put("max_grad_norm", config.maxGradNorm()).put("max_length", config.maxLength()).put("seed", config.seed());
        return o;
    }

    private static String digest(List<SftBatch.Encoded> rows) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(8);
            for (SftBatch.Encoded e : rows) {
                md.update(buf.clear().putLong(e.tokens().length).array());
                for (int i = 0; i < e.tokens().length; i++) {
                    md.update(buf.clear().putLong(e.trained()[i] ? ~e.tokens()[i] : e.tokens()[i]).array());
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Copies the weights of the checkpoint folder {@code dir} (same architecture) into the model being trained. */
    private void loadWeights(Path dir) {
        CausalLm saved = CausalLm.load(dir, model.backbone().dtype());
        Map<String, Tensor> from = saved.namedParameters();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                Tensor src = from.get(e.getKey());
                if (src == null || !java.util.Arrays.equals(Ops.shape(src), Ops.shape(e.getValue()))) {
                    throw new IllegalStateException(dir + ": " + e.getKey() + " missing or of another shape than in the "
                            + "model being trained; resume with the same --model");
                }
                e.getValue().copy_(src);
            }
        }
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
            out.addAll(SftBatch.encode(e, format, config.maxLength()));
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
