package org.rlaif4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.Jsonl;

/**
 * The run's {@code report.md} and {@code report.json}: the stages, the eval metrics of the SFT and
 * the RLAIF policy side by side, and the plots the stages drew. Built from the files in the run
 * folder, so a resumed run's report covers the stages of earlier runs too.
 */
public final class PipelineReport {
    private PipelineReport() {
    }

    public static Path write(PipelinePlan plan, List<PipelineRunner.Outcome> outcomes) {
        Path run = plan.runDir();
        StringBuilder md = new StringBuilder("# RLAIF pipeline report\n\nConfig: `" + plan.configFile() + "`\n\n");
        ObjectNode json = Jsonl.mapper().createObjectNode().put("config", plan.configFile().toString());
        md.append("| stage | folder | this run |\n|---|---|---|\n");
        ArrayNode stages = json.putArray("stages");
        for (PipelineRunner.Outcome o : outcomes) {
            String what = String.format(Locale.ROOT, o.skipped() ? "skipped (finished earlier in %.1f s)" : "ran, %.1f s",
                    o.seconds());
            md.append("| ").append(o.stage()).append(" | `").append(run.relativize(o.dir())).append("` | ").append(what)
                    .append(" |\n");
            stages.addObject().put("stage", o.stage()).put("dir", o.dir().toString()).put("skipped", o.skipped())
                    .put("seconds", o.seconds());
        }
        JsonNode win = readJson(plan.evalDir().resolve("win_rate.json"));
        if (win != null) {
            JsonNode hs = readJson(plan.evalDir().resolve("harmless-sft").resolve("harmless_rate.json"));
            JsonNode hr = readJson(plan.evalDir().resolve("harmless-rlaif").resolve("harmless_rate.json"));
            double w = win.path("win_rate").asDouble(Double.NaN);
            JsonNode ci = win.path("ci95");
            md.append("\n## Evaluation: SFT and RLAIF policies\n\n")
                    .append("Greedy answers to the eval prompts; judge: ").append(win.path("judge").asText()).append(".\n\n")
                    .append("| metric | SFT policy | RLAIF policy |\n|---|---:|---:|\n")
                    .append(String.format(Locale.ROOT, "| win rate over the other (tie = 1/2; %d comparisons) | %s | %s |%n",
                            win.path("comparisons").asInt(), pct(1 - w), pct(w)))
                    .append(String.format(Locale.ROOT, "| 95%% CI (Wilson) | [%s, %s] | [%s, %s] |%n",
                            pct(1 - ci.path(1).asDouble(Double.NaN)), pct(1 - ci.path(0).asDouble(Double.NaN)),
                            pct(ci.path(0).asDouble(Double.NaN)), pct(ci.path(1).asDouble(Double.NaN))));
            if (hs != null && hr != null) {
                md.append(String.format(Locale.ROOT, "| harmless rate | %s | %s |%n",
                        pct(hs.path("harmless_rate").asDouble(Double.NaN)), pct(hr.path("harmless_rate").asDouble(Double.NaN))));
            }
            ObjectNode e = json.putObject("eval");
            e.set("win_rate_rlaif_over_sft", win);
            if (hs != null && hr != null) {
                e.set("harmless_sft", hs);
                e.set("harmless_rlaif", hr);
            }
        }
        md.append("\n## Plots\n\n");
        for (String plot : List.of("sft/metrics.png", "critique-sft/metrics.png", "train-rm/train_rm.png", "ppo/metrics.png")) {
            if (Files.isRegularFile(run.resolve(plot))) {
                md.append("![").append(plot).append("](").append(plot).append(")\n\n");
            }
        }
        Path report = run.resolve("report.md");
        AtomicFiles.writeString(report, md.toString());
        AtomicFiles.writeString(run.resolve("report.json"), json.toPrettyString() + "\n");
        return report;
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Jsonl.mapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
