package org.rlaif4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.demo.DemoConfig;
import org.rlaif4j.demo.DemoPipeline;
import org.rlaif4j.demo.DemoReport;
import org.rlaif4j.demo.DemoResult;
import org.rlaif4j.demo.DemoResultJson;
import org.rlaif4j.demo.ModelRebuild;
import org.rlaif4j.demo.ShippedModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rlaif4j demo}: the whole RLAIF pipeline on the built-in task, with the shipped tiny models. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run SFT policy -> generate pairs -> AI labeling (both orders) -> reward model on soft labels -> PPO "
                + "-> evaluation on the built-in synthetic task, where a ground-truth rater plays the human annotators. "
                + "Writes OUT/report.md, PNG plots and every intermediate file.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "demo-out", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--direct", description = "Direct RLAIF: PPO rewards are the labeler's 1-9 score, no reward model.")
    boolean direct;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the run's prompts, samples and shuffles (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--reduced", description = "A reduced run (the CI's): fewer prompts and PPO iterations.")
    boolean reduced;

    @Option(names = "--models", paramLabel = "DIR", description = "Use DIR/policy and DIR/labeler instead of the shipped models.")
    Path models;

    @Option(names = "--rebuild-models", description = "Train the tiny policy and labeler from scratch into OUT/rebuilt-models "
            + "(one libtorch thread: bit-for-bit reproducible on the same kind of CPU), print their SHA-256 and whether "
            + "they match the shipped ones, and stop. Takes about 8 minutes on 2 cores.")
    boolean rebuild;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter pw = spec.commandLine().getOut();
        if (rebuild) {
            return rebuild(pw);
        }
        DemoConfig cfg = (reduced ? DemoConfig.reduced() : DemoConfig.full()).withSeed(seed).withDirect(direct);
        Path dir = models != null ? models : out.resolve("models");
        Path policy = models != null ? dir.resolve(ModelRebuild.POLICY) : ShippedModels.extract(ModelRebuild.POLICY, dir);
        Path labeler = models != null ? dir.resolve(ModelRebuild.LABELER) : ShippedModels.extract(ModelRebuild.LABELER, dir);
        pw.printf(Locale.ROOT, "demo: policy %s, labeler %s, output %s%n", policy, labeler, out);
        DemoResult r = new DemoPipeline(cfg, policy, labeler, out, quiet, System.err, pw).run();
        DemoReport.write(r, out);
        AtomicFiles.writeString(out.resolve("results.json"), DemoResultJson.of(r).toPrettyString());
        pw.printf(Locale.ROOT, "report: %s (%.0f s)%n", out.resolve(DemoReport.REPORT), r.totalSeconds());
        pw.flush();
        return 0;
    }

    private int rebuild(PrintWriter pw) {
        long t0 = System.nanoTime();
        ModelRebuild.Result r = ModelRebuild.run(out.resolve("rebuilt-models"), ModelRebuild.Config.shipped(), quiet,
                System.err);
        Map<String, String> shipped;
        try {
            shipped = ShippedModels.checksums();
        } catch (IllegalStateException e) {
            shipped = Map.of();
        }
        for (Map.Entry<String, String> e : r.sha256().entrySet()) {
            pw.printf(Locale.ROOT, "%s  %s  %s%n", e.getValue(), e.getKey(),
                    e.getValue().equals(shipped.get(e.getKey())) ? "= shipped" : "differs from shipped");
        }
        pw.printf(Locale.ROOT, "rebuilt %s and %s in %.0f s; run them with --models %s%n", r.policy(), r.labeler(),
                (System.nanoTime() - t0) / 1e9, out.resolve("rebuilt-models"));
        pw.flush();
        return 0;
    }
}
