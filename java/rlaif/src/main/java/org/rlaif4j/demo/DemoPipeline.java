package org.rlaif4j.demo;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.data.PreferenceRecord;
import org.rlaif4j.eval.LabelerJudge;
import org.rlaif4j.eval.PreferenceJudge;
import org.rlaif4j.eval.WinRate;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.feedback.LabelerOptions;
import org.rlaif4j.feedback.LocalLmLabeler;
import org.rlaif4j.feedback.PreferenceLabel;
import org.rlaif4j.feedback.TooLongPolicy;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.report.MetricsLog;
import org.rlaif4j.report.Progress;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.reward.PairEncoder;
import org.rlaif4j.reward.RewardConfig;
import org.rlaif4j.reward.RewardScorer;
import org.rlaif4j.reward.RewardTrainer;
import org.rlaif4j.reward.TruncationPolicy;
import org.rlaif4j.reward.WeightedSource;
import org.rlaif4j.rl.AdvantageMode;
import org.rlaif4j.rl.DirectLabelerRewarder;
import org.rlaif4j.rl.IterationStats;
import org.rlaif4j.rl.PpoTrainer;
import org.rlaif4j.rl.PpoTrainingConfig;
import org.rlaif4j.rl.RewardModelRewarder;
import org.rlaif4j.rl.RewardShaping;
import org.rlaif4j.rl.SequenceRewarder;
import org.rlaif4j.sft.SftConfig;
import org.rlaif4j.sft.SftExample;
import org.rlaif4j.sft.SftTrainer;
import org.rlaif4j.train.CheckpointDirs;

/**
 * The demo's stages in order: SFT policy samples pairs -> the AI labeler labels them (both orders,
 * through {@link LocalLmLabeler}) -> a reward model learns the soft labels ({@link RewardTrainer})
 * -> PPO (RLOO advantages) against it, or against the labeler's direct score -> the SFT control
 * (SFT on ideal answers, as many optimizer steps of as many sequences as PPO's updates) -> evaluation
 * by the ground-truth rater and the labeler. Every file goes to {@code out} whole (written beside,
 * then renamed); a rerun redoes every stage.
 */
public final class DemoPipeline {
    private static final int LABEL_BATCH = 16;
    private static final int CALIBRATION_BINS = 10;

    private final DemoConfig cfg;
    private final Path policyDir;
    private final Path labelerDir;
    private final Path out;
    private final boolean quiet;
    private final PrintStream err;
    private final PrintWriter log;
    private final GroundTruthRater rater = DemoData.rater();
    private final Map<String, Double> seconds = new LinkedHashMap<>();

    public DemoPipeline(DemoConfig cfg, Path policyDir, Path labelerDir, Path out, boolean quiet, PrintStream err,
                        PrintWriter log) {
        this.cfg = cfg;
        this.policyDir = policyDir;
        this.labelerDir = labelerDir;
        this.out = out;
        this.quiet = quiet;
        this.err = err;
        this.log = log;
    }

    /**
     * Runs every stage and writes the report; returns what was measured. libtorch runs on one
     * thread meanwhile: the demo's tensors (hidden size 64, batches of tens of rows) are too small
     * for intra-op threads to pay for their synchronisation, and on this project's shared 2-core
     * machine one thread labelled the same pairs 2.5-3 times faster in wall time, with half the
     * CPU time, than libtorch's default of one thread per core.
     */
    public DemoResult run() {
        return OneThread.run(this::runStages);
    }

    private DemoResult runStages() {
        Constitution constitution = DemoConstitution.load();
        CausalLm sft = CausalLm.load(policyDir);
        try (LocalLmLabeler labeler = new LocalLmLabeler(CausalLm.load(labelerDir), DemoModels.TOKENIZER,
                "demo-labeler", constitution, LabelerOptions.defaults().withTooLong(TooLongPolicy.TRUNCATE))) {
            List<PairRecord> pairs = timed("1. generate pairs", () -> generatePairs(sft));
            int dropped = cfg.pairPrompts() - pairs.size();
            List<PreferenceLabel> labels = timed("2. AI labeling", () -> label(labeler, pairs));
            writePreferences(pairs, labels, labeler.name(), constitution.sha256());
            boolean[] human = annotatorLabels(pairs);
            Proportion alignment = agreement(labels, human, pairs, false);
            Proportion oneOrder = agreement(labels, human, pairs, true);
            Proportion alignmentTrue = agreement(labels, null, pairs, false);
            double consistent = labels.stream().filter(PreferenceLabel::ordersAgree).count();
            say("labeler alignment with annotators %s (one order: %s), position consistency %s", alignment, oneOrder,
                    Proportion.of(consistent, labels.size()));

            Proportion rmAcc = null;
            Proportion rmTrue = null;
            SequenceRewarder rewarder;
            if (cfg.direct()) {
                rewarder = new DirectLabelerRewarder(labeler);
            } else {
                List<Integer> order = shuffledIndices(pairs.size(), stream(7));
                int held = (int) Math.round(pairs.size() * cfg.rmHoldout());
                List<Integer> holdout = order.subList(0, held);
                List<Integer> train = order.subList(held, order.size());
                ScalarHeadModel rm = timed("3. reward model", () -> trainRewardModel(pairs, labels, train));
                Proportion[] acc = rewardAccuracy(rm, pairs, human, holdout);
                rmAcc = acc[0];
                rmTrue = acc[1];
                say("reward model accuracy on %d held-out pairs: %s vs annotators, %s vs the rater's preference", held,
                        rmAcc, rmTrue);
                rewarder = new RewardModelRewarder(rm, 32, DemoModels.TOKENIZER.specialTokens().padOrEos());
            }
            List<String> ppoPrompts = DemoData.prompts(cfg.ppoPrompts(), stream(2));
            SequenceRewarder r = rewarder;
            List<Map<String, Double>> ppoRows = new ArrayList<>();
            CausalLm rlaif = timed(cfg.direct() ? "4. PPO (direct RLAIF)" : "4. PPO", () -> ppo(r, ppoPrompts, ppoRows));
            CausalLm control = timed("5. SFT control", () -> control(ppoPrompts));

            List<String> evalPrompts = DemoData.prompts(cfg.evalPrompts(), stream(3));
            Proportion rmAccuracy = rmAcc;
            Proportion rmAccuracyTrue = rmTrue;
            DemoResult result = timed("6. evaluation", () -> evaluate(evalPrompts, sft, rlaif, control, labeler,
                    pairs.size(), dropped, alignment, oneOrder, alignmentTrue, Proportion.of(consistent, labels.size()),
                    rmAccuracy, rmAccuracyTrue, calibration(labels, human), ppoRows));
            return result.withSeconds(new LinkedHashMap<>(seconds)); // the stage times, the evaluation's included
        }
    }

    private <T> T timed(String stage, Supplier<T> body) {
        say("== %s", stage);
        long t0 = System.nanoTime();
        T v = body.get();
        double s = (System.nanoTime() - t0) / 1e9;
        seconds.put(stage, s);
        say("   %s: %.1f s", stage, s);
        return v;
    }

    private void say(String format, Object... args) {
        log.printf(Locale.ROOT, format + "%n", args);
        log.flush();
    }

    /** Two samples per prompt from the SFT policy; pairs with identical or empty responses are dropped. */
    private List<PairRecord> generatePairs(CausalLm sft) {
        List<String> prompts = DemoData.prompts(cfg.pairPrompts(), stream(1));
        PolicySampler sampler = new PolicySampler(sft, DemoModels.TOKENIZER);
        List<String> a = sampler.sample(prompts, stream(4));
        List<String> b = sampler.sample(prompts, stream(5));
        List<PairRecord> pairs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            if (!a.get(i).equals(b.get(i)) && !a.get(i).isEmpty() && !b.get(i).isEmpty()) {
                pairs.add(new PairRecord("pair-" + i, prompts.get(i), a.get(i), b.get(i)));
            }
        }
        if (pairs.size() < 8) {
            throw new IllegalStateException("pairs: expected at least 8 pairs of different responses, found "
                    + pairs.size() + " of " + prompts.size() + " prompts; is the policy checkpoint the demo's?");
        }
        AtomicFiles.writeString(out.resolve("pairs.jsonl"),
                pairs.stream().map(p -> Jsonl.toLine(p.toJson()) + "\n").collect(Collectors.joining()));
        say("%d pairs of different responses from %d prompts", pairs.size(), prompts.size());
        return pairs;
    }

    private List<PreferenceLabel> label(LocalLmLabeler labeler, List<PairRecord> pairs) {
        List<PreferenceLabel> labels = new ArrayList<>(pairs.size());
        try (Progress bar = Progress.start("label", pairs.size(), 0, "pairs", quiet, err)) {
            for (int i = 0; i < pairs.size(); i += LABEL_BATCH) {
                List<PairRecord> part = pairs.subList(i, Math.min(pairs.size(), i + LABEL_BATCH));
                labels.addAll(labeler.label(part));
                bar.stepBy(part.size());
            }
        }
        return labels;
    }

    private void writePreferences(List<PairRecord> pairs, List<PreferenceLabel> labels, String labeler, String sha) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pairs.size(); i++) {
            PairRecord p = pairs.get(i);
            PreferenceLabel l = labels.get(i);
            b.append(Jsonl.toLine(new PreferenceRecord(p.id(), p.prompt(), p.responseA(), p.responseB(), l.pA(), l.pAAb(),
                    l.pABa(), labeler, sha, null).toJson())).append('\n');
        }
        AtomicFiles.writeString(out.resolve("prefs.jsonl"), b.toString());
    }

    /** One annotator label per pair (true: A preferred), drawn from the rater with the run's seed. */
    private boolean[] annotatorLabels(List<PairRecord> pairs) {
        Random rng = new Random(stream(6));
        boolean[] h = new boolean[pairs.size()];
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < h.length; i++) {
            PairRecord p = pairs.get(i);
            h[i] = rater.label(p.prompt().asText(), p.responseA(), p.responseB(), rng);
            b.append(Jsonl.toLine(PreferenceRecord.hard(p.id(), p.prompt(), h[i] ? p.responseA() : p.responseB(),
                    h[i] ? p.responseB() : p.responseA()).toJson())).append('\n');
        }
        AtomicFiles.writeString(out.resolve("annotator-labels.jsonl"), b.toString());
        return h;
    }

    /**
     * Share of pairs where the labeler's choice (debiased p_a, or the A-first reading) matches the
     * annotator label, or, with {@code human == null}, the rater's strict preference (pairs of equal
     * score left out). An AI p_a of exactly 0.5 counts as half.
     */
    private Proportion agreement(List<PreferenceLabel> labels, boolean[] human, List<PairRecord> pairs, boolean oneOrder) {
        double agree = 0;
        int n = 0;
        for (int i = 0; i < labels.size(); i++) {
            PairRecord p = pairs.get(i);
            boolean aWins;
            if (human != null) {
                aWins = human[i];
            } else {
                double d = rater.score(p.prompt().asText(), p.responseA()) - rater.score(p.prompt().asText(), p.responseB());
                if (d == 0) {
                    continue;
                }
                aWins = d > 0;
            }
            double pa = oneOrder ? labels.get(i).pAAb() : labels.get(i).pA();
            agree += pa == 0.5 ? 0.5 : (pa > 0.5) == aWins ? 1 : 0;
            n++;
        }
        return Proportion.of(agree, Math.max(n, 1));
    }

    /** Bins of the debiased p_a: {mean p_a, annotator share preferring A, count} for non-empty bins. */
    private static List<double[]> calibration(List<PreferenceLabel> labels, boolean[] human) {
        double[] sumP = new double[CALIBRATION_BINS];
        double[] sumH = new double[CALIBRATION_BINS];
        int[] count = new int[CALIBRATION_BINS];
        for (int i = 0; i < labels.size(); i++) {
            int bin = Math.min(CALIBRATION_BINS - 1, (int) (labels.get(i).pA() * CALIBRATION_BINS));
            sumP[bin] += labels.get(i).pA();
            sumH[bin] += human[i] ? 1 : 0;
            count[bin]++;
        }
        List<double[]> rows = new ArrayList<>();
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            if (count[b] > 0) {
                rows.add(new double[] {sumP[b] / count[b], sumH[b] / count[b], count[b]});
            }
        }
        return rows;
    }

    private ScalarHeadModel trainRewardModel(List<PairRecord> pairs, List<PreferenceLabel> labels, List<Integer> train) {
        Path data = out.resolve("rm-train.jsonl");
        StringBuilder b = new StringBuilder();
        for (int i : train) {
            PairRecord p = pairs.get(i);
            PreferenceLabel l = labels.get(i);
            b.append(Jsonl.toLine(new PreferenceRecord(p.id(), p.prompt(), p.responseA(), p.responseB(), l.pA(), l.pAAb(),
                    l.pABa(), null, null, null).toJson())).append('\n');
        }
        AtomicFiles.writeString(data, b.toString());
        Path rmOut = out.resolve("rm");
        CheckpointDirs.deleteTree(rmOut); // a rerun trains afresh
        RewardConfig rc = new RewardConfig(policyDir, List.of(new WeightedSource(data, 1.0)), rmOut, 0.0, cfg.seed(),
                cfg.rmEpochs(), 0, 16, 1, 1e-3, 5, 1e-4, true, 0.0, 1.0, 0,
                TruncationPolicy.LEFT, BadLinePolicy.FAIL, 0, 0, 10, 64);
        long total = (long) Math.ceil(train.size() / 16.0) * cfg.rmEpochs();
        try (Progress bar = Progress.start("reward model", total, 0, "steps", quiet, err)) {
            new RewardTrainer(rc, new RewardTrainer.Listener() {
                @Override
                public void stepped(org.rlaif4j.train.StepStats stats, double trainAccuracy) {
                    bar.step();
                    bar.message(String.format(Locale.ROOT, "loss %.3f", stats.loss()));
                }
            }).run();
        }
        return ScalarHeadModel.load(rmOut.resolve(RewardTrainer.MODEL_DIR));
    }

    /** {accuracy vs annotators, accuracy vs the rater's strict preference} on the held-out pairs. */
    private Proportion[] rewardAccuracy(ScalarHeadModel rm, List<PairRecord> pairs, boolean[] human, List<Integer> holdout) {
        RewardScorer scorer = new RewardScorer(rm, new PairEncoder(PromptFormat.plain(DemoModels.TOKENIZER), rm.config().maxPositions(),
                TruncationPolicy.LEFT));
        List<String> prompts = new ArrayList<>();
        List<String> responses = new ArrayList<>();
        for (int i : holdout) {
            prompts.add(pairs.get(i).prompt().asText());
            responses.add(pairs.get(i).responseA());
        }
        for (int i : holdout) {
            prompts.add(pairs.get(i).prompt().asText());
            responses.add(pairs.get(i).responseB());
        }
        double[] s = scorer.score(prompts, responses, 64);
        double agree = 0;
        double agreeTrue = 0;
        int decided = 0;
        for (int k = 0; k < holdout.size(); k++) {
            PairRecord p = pairs.get(holdout.get(k));
            double d = s[k] - s[holdout.size() + k];
            agree += d == 0 ? 0.5 : (d > 0) == human[holdout.get(k)] ? 1 : 0;
            double truth = rater.score(p.prompt().asText(), p.responseA()) - rater.score(p.prompt().asText(), p.responseB());
            if (truth != 0) {
                agreeTrue += d == 0 ? 0.5 : (d > 0) == (truth > 0) ? 1 : 0;
                decided++;
            }
        }
        return new Proportion[] {Proportion.of(agree, holdout.size()), Proportion.of(agreeTrue, Math.max(1, decided))};
    }

    private CausalLm ppo(SequenceRewarder rewarder, List<String> prompts, List<Map<String, Double>> rows) {
        CausalLm policy = CausalLm.load(policyDir);
        PpoTrainingConfig pc = PpoTrainingConfig.builder()
                .rollout(cfg.ppoBatchPrompts(), cfg.ppoSamples(), DemoModels.MAX_NEW_TOKENS)
                .update(cfg.ppoEpochs(), cfg.minibatch(), 1).lr(cfg.ppoLr())
                .kl(KlEstimator.K1, cfg.klCoef()).advantageMode(AdvantageMode.RLOO).whitenAdvantages(true) // as measured in the README
                .shaping(new RewardShaping(1.0, false, 0)).seed(cfg.seed()).build();
        PpoTrainer trainer = new PpoTrainer(policy, CausalLm.load(policyDir), null, rewarder, DemoModels.TOKENIZER,
                prompts, pc);
        Path metrics = out.resolve("ppo-metrics.jsonl");
        CheckpointDirs.deleteTree(metrics); // a rerun starts the log afresh
        try (MetricsLog mlog = MetricsLog.open(metrics);
                Progress bar = Progress.start("ppo", cfg.ppoIterations(), 0, "it", quiet, err)) {
            for (int i = 0; i < cfg.ppoIterations(); i++) {
                IterationStats s = trainer.iterate();
                mlog.log(s.toMetrics());
                bar.step();
                bar.message(String.format(Locale.ROOT, "reward %.3f kl %.2f", s.rewardRaw(), s.klPerSequence()));
            }
            rows.addAll(mlog.rows());
        }
        MetricsLog.writeCsv(rows, out.resolve("ppo-metrics.csv"));
        return policy;
    }

    /** The honest control: the SFT policy fine-tuned on ideal answers for as many steps of as many rows as PPO. */
    private CausalLm control(List<String> prompts) {
        CausalLm lm = CausalLm.load(policyDir);
        int steps = cfg.ppoOptimizerSteps();
        int batch = cfg.minibatch();
        List<SftExample> ideal = DemoData.ideal(prompts);
        List<SftExample> data = new ArrayList<>(steps * batch);
        for (int i = 0; i < steps * batch; i++) {
            data.add(ideal.get(i % ideal.size()));
        }
        SftConfig sc = new SftConfig(1, batch, 1, cfg.ppoLr(), 0, 0.0, 1.0, lm.config().maxPositions(), 0, 0,
                1, cfg.seed());
        Path dir = out.resolve("control");
        CheckpointDirs.deleteTree(dir);
        new SftTrainer(lm, DemoModels.TOKENIZER, sc).train(data, List.of(), dir, quiet, err);
        return lm;
    }

    private DemoResult evaluate(List<String> prompts, CausalLm sft, CausalLm rlaif, CausalLm control,
                                LocalLmLabeler labeler, int pairCount, int dropped, Proportion alignment,
                                Proportion oneOrder, Proportion alignmentTrue, Proportion consistency, Proportion rmAcc,
                                Proportion rmTrue, List<double[]> calibration, List<Map<String, Double>> ppoRows) {
        String rlName = cfg.direct() ? "direct RLAIF" : "RLAIF";
        long seed = stream(8);
        Map<String, List<String>> responses = new LinkedHashMap<>();
        responses.put(DemoResult.SFT, new PolicySampler(sft, DemoModels.TOKENIZER).sample(prompts, seed));
        responses.put(rlName, new PolicySampler(rlaif, DemoModels.TOKENIZER).sample(prompts, seed));
        responses.put(DemoResult.CONTROL, new PolicySampler(control, DemoModels.TOKENIZER).sample(prompts, seed));
        StringBuilder samples = new StringBuilder();
        for (int i = 0; i < prompts.size(); i++) {
            var o = Jsonl.mapper().createObjectNode().put("prompt", prompts.get(i));
            for (var e : responses.entrySet()) {
                o.put(e.getKey(), e.getValue().get(i));
            }
            samples.append(Jsonl.toLine(o)).append('\n');
        }
        AtomicFiles.writeString(out.resolve("eval-samples.jsonl"), samples.toString());

        RaterJudge judge = new RaterJudge(rater);
        WinRate.Result vsSft = win(judge, prompts, responses.get(rlName), responses.get(DemoResult.SFT), rlName, DemoResult.SFT);
        WinRate.Result byLabeler = win(new LabelerJudge(labeler), prompts, responses.get(rlName),
                responses.get(DemoResult.SFT), rlName, DemoResult.SFT);
        WinRate.Result vsControl = win(judge, prompts, responses.get(rlName), responses.get(DemoResult.CONTROL), rlName,
                DemoResult.CONTROL);
        WinRate.Result controlVsSft = win(judge, prompts, responses.get(DemoResult.CONTROL), responses.get(DemoResult.SFT),
                DemoResult.CONTROL, DemoResult.SFT);
        Map<String, Proportion> harmless = new LinkedHashMap<>();
        Map<String, Double> meanScore = new LinkedHashMap<>();
        Map<String, Proportion> ideal = new LinkedHashMap<>();
        for (var e : responses.entrySet()) {
            double safe = 0;
            int harmful = 0;
            double score = 0;
            double exact = 0;
            for (int i = 0; i < prompts.size(); i++) {
                String p = prompts.get(i);
                String r = e.getValue().get(i);
                DemoTask task = DemoTask.parse(p);
                if (task.harmful()) {
                    harmful++;
                    safe += rater.isHarmless(p, r) ? 1 : 0;
                }
                score += rater.score(p, r);
                exact += r.equals(task.idealResponse()) ? 1 : 0;
            }
            harmless.put(e.getKey(), Proportion.of(safe, Math.max(1, harmful)));
            meanScore.put(e.getKey(), score / prompts.size());
            ideal.put(e.getKey(), Proportion.of(exact, prompts.size()));
        }
        say("win rate of %s over SFT by the rater: %s; harmless: SFT %s, %s %s", rlName, fmt(vsSft), harmless.get(DemoResult.SFT),
                rlName, harmless.get(rlName));
        return new DemoResult(cfg, pairCount, dropped, alignment, oneOrder, alignmentTrue, consistency, rmAcc, rmTrue,
                vsSft, byLabeler, vsControl, controlVsSft, harmless, meanScore, ideal, calibration, ppoRows,
                new LinkedHashMap<>(seconds));
    }

    private static WinRate.Result win(PreferenceJudge judge, List<String> prompts, List<String> x, List<String> y,
                                      String xName, String yName) {
        List<PreferenceJudge.Comparison> cs = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            cs.add(new PreferenceJudge.Comparison(prompts.get(i), x.get(i), y.get(i)));
        }
        return WinRate.compute(judge, cs, xName, yName, 0.0, false, 0);
    }

    static String fmt(WinRate.Result w) {
        return String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f] (%d/%d/%d of %d)", 100 * w.winRate(),
                100 * w.interval().low(), 100 * w.interval().high(), w.wins(), w.losses(), w.ties(), w.comparisons());
    }

    /**
     * An independent seed for one use ({@code stream}) of the run's seed. java.util.Random scrambles
     * nearby seeds poorly (seeds 10 and 17 began with the same prompts), so each use gets a
     * SplitMix64-mixed seed instead of an arithmetic offset.
     */
    private long stream(int stream) {
        return new java.util.SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + stream).nextLong();
    }

    private static List<Integer> shuffledIndices(int n, long seed) {
        List<Integer> idx = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            idx.add(i);
        }
        Collections.shuffle(idx, new Random(seed));
        return idx;
    }
}
