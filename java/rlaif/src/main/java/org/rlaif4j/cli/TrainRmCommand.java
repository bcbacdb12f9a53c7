package org.rlaif4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.reward.PairwiseMetrics;
import org.rlaif4j.reward.RewardConfig;
import org.rlaif4j.reward.RewardResult;
import org.rlaif4j.reward.RewardTrainer;
import org.rlaif4j.reward.TruncationPolicy;
import org.rlaif4j.reward.WeightedSource;
import org.rlaif4j.report.Progress;
import org.rlaif4j.train.StepStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rlaif4j train-rm}: a reward model on soft (or hard) preference labels. */
@Command(name = "train-rm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a reward model on preference JSONL files (soft labels p_a or TRL prompt/chosen/rejected) "
                + "with loss -(p_a log σ(r_a-r_b) + (1-p_a) log σ(r_b-r_a)).",
            "Writes OUT/model (Hugging Face folder), OUT/metrics.jsonl, OUT/metrics.csv, OUT/train_rm.png and "
                + "OUT/summary.json. Rerun the same command after a kill to resume from the last checkpoint."})
public final class TrainRmCommand implements Callable<Integer> {
    @Option(names = "--model", required = true,
            description = "Causal-LM checkpoint (a fresh reward head is added) or reward-model checkpoint (fine-tuned).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE[:WEIGHT]",
            description = "Preference JSONL, repeatable. WEIGHT (default 1) multiplies each of its pairs' loss; "
                    + "it does not change how often pairs are drawn.")
    List<String> data;

    @Option(names = "--out", required = true, description = "Output folder.")
    Path outDir;

    @Option(names = "--eval-fraction", defaultValue = "0.1", description = "Share of pairs held out (seeded), in [0, 1). Default: ${DEFAULT-VALUE}.")
    double evalFraction;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the split, data order and fresh head. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--epochs", defaultValue = "1", description = "Passes over the training pairs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--max-steps", defaultValue = "0", description = "Optimizer steps (0: use --epochs). Default: ${DEFAULT-VALUE}.")
    long maxSteps;

    @Option(names = "--micro-batch", defaultValue = "8", description = "Pairs per forward pass. Default: ${DEFAULT-VALUE}.")
    int microBatch;

    @Option(names = "--grad-accum", defaultValue = "1", description = "Micro-batches per optimizer step. Default: ${DEFAULT-VALUE}.")
    int gradAccum;

    @Option(names = "--lr", defaultValue = "1e-5", description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--warmup-steps", defaultValue = "0", description = "Linear warm-up steps. Default: ${DEFAULT-VALUE}.")
    long warmupSteps;

    @Option(names = "--min-lr", defaultValue = "0", description = "Learning rate at the end of the cosine decay. Default: ${DEFAULT-VALUE}.")
    double minLr;

    @Option(names = "--schedule", defaultValue = "cosine", description = "cosine or constant (after warm-up). Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--weight-decay", defaultValue = "0", description = "AdamW weight decay on matrices. Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Global gradient-norm clip (0: off). Default: ${DEFAULT-VALUE}.")
    double maxGradNorm;

    @Option(names = "--max-length", defaultValue = "0",
            description = "Longest prompt + response in tokens (0: the model's max_position_embeddings). Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--truncation", defaultValue = "fail",
            description = "Over-long pairs: 'fail' (a bad line) or 'left' (drop prompt tokens from the left, keep the response). "
                    + "Default: ${DEFAULT-VALUE}.")
    String truncation;

    @Option(names = "--bad-lines", defaultValue = "fail",
            description = "Malformed or unusable lines: 'fail' stops before training, 'skip' reports them (file:line) and goes on. "
                    + "Default: ${DEFAULT-VALUE}.")
    String badLines;

    @Option(names = "--eval-every", defaultValue = "50", description = "Evaluate every N steps and at the end (0: end only). Default: ${DEFAULT-VALUE}.")
    int evalEvery;

    @Option(names = "--save-every", defaultValue = "100", description = "Resumable checkpoint every N steps (0: none). Default: ${DEFAULT-VALUE}.")
    int saveEvery;

    @Option(names = "--ece-bins", defaultValue = "10", description = "Equal-width bins of the calibration error. Default: ${DEFAULT-VALUE}.")
    int eceBins;

    @Option(names = "--eval-batch", defaultValue = "32", description = "Sequences per forward pass when evaluating. Default: ${DEFAULT-VALUE}.")
    int evalBatch;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Mixin
    DistributedOptions dist;

    @picocli.CommandLine.Mixin
    PromptFlags promptFlags;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RewardConfig config = new RewardConfig(model, data.stream().map(WeightedSource::parse).toList(), outDir,
                evalFraction, seed, epochs, maxSteps, microBatch, gradAccum, lr, warmupSteps, minLr,
                Options.choice("--schedule", schedule, "cosine", "constant").equals("cosine"), weightDecay,
                maxGradNorm, maxLength, Options.enumOf("--truncation", truncation, TruncationPolicy.class),
                Options.enumOf("--bad-lines", badLines, BadLinePolicy.class), evalEvery, saveEvery, eceBins, evalBatch);
        RewardResult r;
        try (DataParallel dp = dist.open();
             ProgressListener listener = new ProgressListener(out, err, quiet)) {
            r = new RewardTrainer(config, listener, dp, promptFlags.options()).run();
            if (!dp.isMain()) {
                DistributedOptions.reportInSync(out, dp, r.maxDriftFromRankZero());
                return 0;
            }
        }
        out.printf(Locale.ROOT, "reward model (%s, %d steps, %d train / %d eval pairs) saved to %s%n", r.init(),
                r.steps(), r.trainPairs(), r.evalPairs(), r.modelDir());
        out.printf(Locale.ROOT, "throughput: %.1f pairs/s over %d rank(s) (training steps only)%n", r.pairsPerSecond(),
                r.ranks());
        if (r.eval() != null) {
            out.printf(Locale.ROOT, "eval: pairwise accuracy %.4f, loss %.4f, ECE %.4f (%d bins)%n", r.eval().accuracy(),
                    r.eval().meanLoss(), r.eval().ece(), r.eval().eceBins());
        }
        if (r.skippedLines() > 0) {
            out.printf(Locale.ROOT, "skipped %d bad line(s)%n", r.skippedLines());
        }
        out.flush();
        return 0;
    }

    /** Progress bar (rate, ETA, current loss) on stderr; evaluations and warnings as lines. */
    private static final class ProgressListener implements RewardTrainer.Listener, AutoCloseable {
        private final PrintWriter out;
        private final PrintWriter err;
        private final boolean quiet;
        private Progress bar;

        ProgressListener(PrintWriter out, PrintWriter err, boolean quiet) {
            this.out = out;
            this.err = err;
            this.quiet = quiet;
        }

        @Override
        public void started(long firstStep, long totalSteps, int trainPairs, int evalPairs, String init) {
            out.printf(Locale.ROOT, "train-rm: %d train / %d eval pairs, %d steps, from a %s%s%n", trainPairs, evalPairs,
                    totalSteps, init, firstStep > 0 ? ", resuming at step " + firstStep : "");
            out.flush();
            bar = Progress.start("train-rm", totalSteps, firstStep, "step", quiet, System.err);
        }

        @Override
        public void stepped(StepStats s, double trainAccuracy) {
            bar.step();
            bar.message(String.format(Locale.ROOT, " loss %.4f acc %.3f", s.loss(), trainAccuracy));
        }

        @Override
        public void evaluated(long step, PairwiseMetrics m) {
            out.printf(Locale.ROOT, "step %d: eval accuracy %.4f, loss %.4f, ECE %.4f%n", step, m.accuracy(), m.meanLoss(),
                    m.ece());
            out.flush();
        }

        @Override
        public void warning(String message) {
            err.println("warning: " + message);
            err.flush();
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
