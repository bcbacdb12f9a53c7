package org.rlaif4j.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.eval.WinRate;
import org.rlaif4j.report.Plots;

/**
 * Writes a demo run's {@code report.md} and its plots: {@code ppo.png} (reward and KL per
 * iteration), {@code calibration.png} (labeler p_a against the annotators' frequency) and
 * {@code win-rates.png}. Every file is written whole.
 */
public final class DemoReport {
    public static final String REPORT = "report.md";

    private DemoReport() {}

    public static void write(DemoResult r, Path out) {
        Map<String, List<String>> panels = new LinkedHashMap<>();
        panels.put("reward (raw, per sequence)", List.of("reward"));
        panels.put("KL to the SFT policy (nats per sequence)", List.of("kl"));
        panels.put("response length", List.of("response_length"));
        Plots.lines(r.ppoMetrics(), "iteration", panels, out.resolve("ppo.png"));

        List<Map<String, Double>> cal = new ArrayList<>();
        for (double[] b : r.calibration()) {
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("labeler p_a (bin mean)", b[0]);
            row.put("annotators preferring A", b[1]);
            row.put("perfect calibration", b[0]);
            cal.add(row);
        }
        Map<String, List<String>> calPanels = new LinkedHashMap<>();
        calPanels.put("labeler calibration: annotator frequency vs labeler probability",
                List.of("annotators preferring A", "perfect calibration"));
        Plots.lines(cal, "labeler p_a (bin mean)", calPanels, out.resolve("calibration.png"));

        Map<String, Double> wins = new LinkedHashMap<>();
        wins.put(r.rlaifName() + " vs SFT (rater)", r.winVsSft().winRate());
        wins.put(r.rlaifName() + " vs SFT (labeler)", r.winVsSftByLabeler().winRate());
        wins.put(r.rlaifName() + " vs control (rater)", r.winVsControl().winRate());
        wins.put("control vs SFT (rater)", r.controlVsSft().winRate());
        Plots.bars("Win rates (tie = 1/2; 95% intervals in report.md)", "win rate", wins, 0.5, out.resolve("win-rates.png"));

        AtomicFiles.writeString(out.resolve(REPORT), markdown(r));
    }

    static String markdown(DemoResult r) {
        DemoConfig c = r.config();
        String rl = r.rlaifName();
        StringBuilder b = new StringBuilder();
        b.append("# rlaif4j demo report\n\n");
        b.append(String.format(Locale.ROOT, "%s on the synthetic assistant task, seed %d, %.0f s in all. The ground-truth "
                + "rater plays the human annotators (Bradley-Terry noise %.2f); the AI labeler is a tiny character-level "
                + "LM reading the demo constitution, both orders.%n%n", c.direct() ? "Direct RLAIF (the labeler's 1-9 score is "
                + "the reward)" : "RLAIF (reward model on the labeler's soft labels, then PPO)", c.seed(), r.totalSeconds(),
                DemoData.RATER_NOISE));
        b.append("| metric | value [95% CI] |\n|---|---|\n");
        row(b, "AI-labeler alignment with annotator labels (position-debiased)", r.alignment());
        row(b, "AI-labeler alignment, one order only (no debiasing)", r.alignmentOneOrder());
        row(b, "AI-labeler alignment with the rater's noiseless preference", r.alignmentTrue());
        row(b, "position consistency (both orders agree)", r.positionConsistency());
        if (r.rmAccuracy() != null) {
            row(b, "reward-model pairwise accuracy vs annotators (held-out pairs)", r.rmAccuracy());
            row(b, "reward-model pairwise accuracy vs the rater's preference", r.rmAccuracyTrue());
        }
        win(b, rl + " win rate over SFT, judged by the rater", r.winVsSft());
        win(b, rl + " win rate over SFT, judged by the AI labeler", r.winVsSftByLabeler());
        win(b, rl + " win rate over the SFT control, judged by the rater", r.winVsControl());
        win(b, "SFT control win rate over SFT, judged by the rater", r.controlVsSft());
        for (var e : r.harmless().entrySet()) {
            row(b, "harmless rate on harmful requests: " + e.getKey(), e.getValue());
        }
        for (var e : r.ideal().entrySet()) {
            row(b, "exactly ideal responses: " + e.getKey(), e.getValue());
        }
        for (var e : r.meanScore().entrySet()) {
            b.append(String.format(Locale.ROOT, "| mean rater score: %s | %.3f |%n", e.getKey(), e.getValue()));
        }
        b.append(String.format(Locale.ROOT, "%nRLAIF gain, stated against both baselines: %s wins %.1f%% against the SFT "
                + "policy and %.1f%% against the SFT control (the SFT policy fine-tuned on ideal answers for as many "
                + "optimizer steps of as many sequences as PPO's updates: %d steps of %d). The control itself wins %.1f%% "
                + "against the SFT policy: part of any gain over a weak SFT start comes from the start being weak "
                + "(Sharma et al. 2024).%n%n", rl, 100 * r.winVsSft().winRate(), 100 * r.winVsControl().winRate(),
                c.ppoOptimizerSteps(), c.minibatch(), 100 * r.controlVsSft().winRate()));
        b.append("Win rate counts a tie (equal rater score, e.g. both ideal) as half a win. Harmless rate is measured on "
                + "the harmful requests among the evaluation prompts only.\n\n");
        b.append("## Run\n\n| stage | seconds |\n|---|---:|\n");
        r.seconds().forEach((k, v) -> b.append(String.format(Locale.ROOT, "| %s | %.1f |%n", k, v)));
        b.append(String.format(Locale.ROOT, "%n%d labelled pairs (%d prompts dropped: identical or empty samples); "
                + "PPO: %d iterations x %d rollouts (RLOO, %d per prompt), %d epochs, lr %.0e, KL coefficient %.2f; "
                + "%d evaluation prompts.%n%n", r.pairs(), r.identicalDropped(), c.ppoIterations(), c.ppoRows(), c.ppoSamples(),
                c.ppoEpochs(), c.ppoLr(), c.klCoef(), c.evalPrompts()));
        b.append("![PPO](ppo.png)\n\n![calibration](calibration.png)\n\n![win rates](win-rates.png)\n\n");
        b.append("Files: `pairs.jsonl`, `prefs.jsonl` (AI labels), `annotator-labels.jsonl`, `rm/` (reward model), "
                + "`ppo-metrics.jsonl`/`.csv`, `control/`, `eval-samples.jsonl` (every policy's answer to each "
                + "evaluation prompt), `results.json`.\n");
        return b.toString();
    }

    private static void row(StringBuilder b, String name, Proportion p) {
        b.append("| ").append(name).append(" | ").append(p).append(" |\n");
    }

    private static void win(StringBuilder b, String name, WinRate.Result w) {
        b.append(String.format(Locale.ROOT, "| %s | %.1f%% [%.1f, %.1f] (wins/losses/ties %d/%d/%d) |%n", name,
                100 * w.winRate(), 100 * w.interval().low(), 100 * w.interval().high(), w.wins(), w.losses(), w.ties()));
    }
}
