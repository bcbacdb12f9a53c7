package org.rlaif4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.Line;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.tokenizer.HfTokenizer;
import org.rlaif4j.sft.SftConfig;
import org.rlaif4j.sft.SftExample;
import org.rlaif4j.sft.SftTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rlaif4j sft}: supervised fine-tuning of a causal LM on prompt/response JSONL. */
@Command(name = "sft", mixinStandardHelpOptions = true,
        description = "Fine-tune a causal LM on {\"prompt\", \"response\"} JSONL with the loss on response tokens only; "
                + "writes OUT/final (Hugging Face folder), OUT/checkpoints, OUT/metrics.{jsonl,csv,png}. "
                + "Data-parallel under `launch -n N` (--batch-size is per rank). "
                + "Stopped? Rerun the same command with --resume to continue from the last --save-every checkpoint.")
public final class SftCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Starting checkpoint folder (with tokenizer.json).")
    Path model;

    @Option(names = "--data", required = true, description = "Training JSONL: one {\"prompt\": ..., \"response\": ...} per line (prompt: text or "
            + "a list of messages; \"completion\" is read too), or {\"messages\": [...]} conversations whose assistant "
            + "turns are trained, rendered by the model's chat template.")
    Path data;

    @Option(names = "--eval-data", description = "Evaluation JSONL (same format); default: a held-out --eval-fraction of --data.")
    Path evalData;

    @Option(names = "--eval-fraction", defaultValue = "0.05", description = "Share of --data held out for eval when no --eval-data (default: ${DEFAULT-VALUE}).")
    double evalFraction;

    @Option(names = "--out", required = true, description = "Output folder.")
    Path out;

    @Option(names = "--epochs", defaultValue = "3") int epochs;
    @Option(names = "--batch-size", defaultValue = "8", description = "Examples per optimizer step (per rank).") int batchSize;
    @Option(names = "--grad-accum", defaultValue = "1", description = "Micro-batches per step.") int gradAccum;
    @Option(names = "--lr", defaultValue = "1e-4", description = "Peak learning rate (warm-up, cosine to lr/10).") double lr;
    @Option(names = "--warmup", defaultValue = "10", description = "Warm-up steps.") int warmup;
    @Option(names = "--weight-decay", defaultValue = "0.0") double weightDecay;
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Clip threshold; 0 = off.") double maxGradNorm;
    @Option(names = "--max-length", defaultValue = "512", description = "Tokens per example after truncation.") int maxLength;
    @Option(names = "--eval-every", defaultValue = "0", description = "Eval every N steps (0 = each epoch's end).") int evalEvery;
    @Option(names = "--save-every", defaultValue = "0", description = "Resumable checkpoint (model, optimizer, step) every N steps (0 = final only).") int saveEvery;
    @Option(names = "--keep-last", defaultValue = "2", description = "Step checkpoints kept.") int keepLast;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--resume", description = "Continue from OUT/checkpoints/latest (same settings required; "
            + "starts from the beginning when there is none).") boolean resume;
    @Option(names = "--skip-bad-lines", description = "Report malformed JSONL lines and go on instead of stopping.") boolean skipBad;
    @Option(names = "--quiet", description = "No progress bar.") boolean quiet;

    @Mixin
    DistributedOptions dist;

    @Mixin
    PromptFlags promptFlags;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter pw = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SftConfig cfg = new SftConfig(epochs, batchSize, gradAccum, lr, warmup, weightDecay, maxGradNorm, maxLength,
                evalEvery, saveEvery, keepLast, seed);
        if (!(evalFraction >= 0 && evalFraction < 1)) {
            throw new IllegalArgumentException("--eval-fraction: expected a value in [0, 1), found " + evalFraction);
        }
        List<SftExample> train = read(data, err);
        List<SftExample> eval;
        if (evalData != null) {
            eval = read(evalData, err);
        } else {
            List<SftExample> shuffled = new ArrayList<>(train);
            Collections.shuffle(shuffled, new Random(seed));
            int held = (int) Math.round(shuffled.size() * evalFraction);
            held = Math.min(held, shuffled.size() - 1);
            eval = shuffled.subList(0, held);
            train = shuffled.subList(held, shuffled.size());
        }
        CausalLm lm = CausalLm.load(model);
        try (HfTokenizer tok = HfTokenizer.load(model); DataParallel dp = dist.open()) {
            SftTrainer.Result r = new SftTrainer(lm, promptFlags.open(model, tok, lm.config()), cfg, dp).train(train, eval, out, resume, quiet, System.err);
            if (!dp.isMain()) {
                DistributedOptions.reportInSync(pw, dp, r.maxDriftFromRankZero());
                return 0;
            }
            double last = r.metrics().get(r.metrics().size() - 1).get("loss");
            pw.printf(Locale.ROOT, "sft: %d train / %d eval examples, %d steps, final loss %.4f, eval loss %.4f%n",
                    train.size(), eval.size(), r.metrics().size(), last, r.finalEvalLoss());
            pw.printf(Locale.ROOT, "model: %s%n", r.finalModel());
        }
        pw.flush();
        return 0;
    }

    private List<SftExample> read(Path file, PrintWriter err) {
        List<SftExample> out = new ArrayList<>();
        for (Line<SftExample> l : Jsonl.read(file, SftExample::fromJson, skipBad ? BadLinePolicy.SKIP : BadLinePolicy.FAIL,
                w -> err.println("warning: " + w))) {
            out.add(l.value());
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": expected at least one {\"prompt\", \"response\"} or {\"messages\"} line, found none");
        }
        return out;
    }
}
