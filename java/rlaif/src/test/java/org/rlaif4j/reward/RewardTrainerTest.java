package org.rlaif4j.reward;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.model.tokenizer.HfTokenizer;
import org.rlaif4j.model.tokenizer.Tokenizer;
import org.rlaif4j.report.MetricsLog;
import org.rlaif4j.train.StepStats;

class RewardTrainerTest {
    @TempDir
    Path tmp;

    /** 2 epochs of micro-batches of 16 at lr 3e-3: a few seconds on two cores. */
    static RewardConfig fastConfig(Path model, List<WeightedSource> data, Path out) {
        return new RewardConfig(model, data, out, 0.2, 1, 2, 0, 16, 1, 3e-3, 4, 3e-4, true, 0.0, 1.0, 0,
                TruncationPolicy.FAIL, BadLinePolicy.FAIL, 12, 0, 10, 64);
    }

    private static RewardConfig with(RewardConfig c, long maxSteps, int saveEvery, int maxLength, TruncationPolicy t,
                                     BadLinePolicy bad) {
        return new RewardConfig(c.model(), c.data(), c.out(), c.evalFraction(), c.seed(), c.epochs(), maxSteps,
                c.microBatch(), c.gradAccum(), c.lr(), c.warmupSteps(), c.minLr(), c.cosine(), c.weightDecay(),
                c.maxGradNorm(), maxLength, t, bad, c.evalEvery(), saveEvery, c.eceBins(), c.evalBatch());
    }

    private static final RewardTrainer.Listener SILENT = new RewardTrainer.Listener() {};

    @Test
    void learnsTheMarkerPreferenceOnHeldOutPairsAndReloadsToIdenticalScores() throws Exception {
        Path lm = Synthetic.tinyLm(tmp.resolve("lm"), 32);
        Path data = Synthetic.write(tmp.resolve("prefs.jsonl"), Synthetic.pairs(240, 1));
        RewardConfig cfg = fastConfig(lm, List.of(new WeightedSource(data, 1.0)), tmp.resolve("out"));
        List<PairwiseMetrics> evals = new ArrayList<>();
        RewardResult r = new RewardTrainer(cfg, new RewardTrainer.Listener() {
            @Override
            public void evaluated(long step, PairwiseMetrics m) {
                evals.add(m);
            }
        }).run();
        assertEquals("causal-lm", r.init());
        assertEquals(48, r.evalPairs());
        assertEquals(192, r.trainPairs());
        assertEquals(24, r.steps(), "2 epochs of 12 steps");
        assertTrue(evals.get(0).accuracy() < 0.8, "untrained accuracy should be near chance: " + evals.get(0));
        assertTrue(r.eval().accuracy() > 0.9, "held-out accuracy " + r.eval());
        assertTrue(r.eval().meanLoss() < evals.get(0).meanLoss(), "eval loss must fall");

        // outputs: Hugging Face folder, metrics, CSV, plot, summary; no checkpoint or temporary left
        Path out = cfg.out();
        for (String f : new String[] {"model/config.json", "model/model.safetensors", "model/tokenizer.json",
            RewardTrainer.METRICS, RewardTrainer.CSV, RewardTrainer.PLOT, RewardTrainer.SUMMARY}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f + " missing");
        }
        try (var s = Files.list(out)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".")
                    || p.getFileName().toString().startsWith("checkpoint-")), "leftovers in " + out);
        }
        List<java.util.Map<String, Double>> rows = MetricsLog.read(out.resolve(RewardTrainer.METRICS));
        assertEquals(24, rows.stream().filter(m -> m.containsKey("loss")).count());
        assertEquals(3, rows.stream().filter(m -> m.containsKey("eval_accuracy")).count(), "steps 0, 12, 24");

        // the reloaded model scores the held-out pairs exactly as the trained one did (same batches, so same padding)
        ScalarHeadModel back = ScalarHeadModel.load(r.modelDir());
        try (Tokenizer tok = HfTokenizer.load(r.modelDir())) {
            PairEncoder enc = new PairEncoder(org.rlaif4j.model.PromptFormat.plain(tok), 32, TruncationPolicy.FAIL);
            List<PreferenceExample> all = PreferenceData.load(cfg.data(), enc, BadLinePolicy.FAIL, w -> { });
            List<PreferenceExample> eval = PreferenceData.split(all, cfg.evalFraction(), cfg.seed()).eval();
            PairwiseMetrics again = RewardTrainer.evaluate(new RewardScorer(back, enc), eval, cfg.evalBatch(), 10);
            assertEquals(r.eval(), again, "metrics from the reloaded model");
            // and a second save/load round trip keeps every score bit for bit
            Path copy = tmp.resolve("copy");
            back.save(copy);
            RewardScorer s1 = new RewardScorer(back, enc);
            RewardScorer s2 = new RewardScorer(ScalarHeadModel.load(copy), enc);
            List<String> prompts = List.of("q:abc ", "q:hhh ");
            List<String> responses = List.of("ab#cd", "abcdef");
            assertArrayEquals(s1.score(prompts, responses, 2), s2.score(prompts, responses, 2));
        }

        // preference-model pre-training then fine-tuning: start from the saved reward model
        RewardConfig fine = new RewardConfig(r.modelDir(), cfg.data(), tmp.resolve("fine"), 0.2, 1, 1, 3, 16, 1, 1e-3,
                0, 1e-3, false, 0, 1.0, 0, TruncationPolicy.FAIL, BadLinePolicy.FAIL, 0, 0, 10, 64);
        List<PairwiseMetrics> fineEvals = new ArrayList<>();
        RewardResult f = new RewardTrainer(fine, new RewardTrainer.Listener() {
            @Override
            public void evaluated(long step, PairwiseMetrics m) {
                fineEvals.add(m);
            }
        }).run();
        assertEquals("reward-model", f.init());
        assertTrue(fineEvals.get(0).accuracy() > 0.9, "fine-tuning starts from the trained head: " + fineEvals.get(0));
        assertThrows(IllegalArgumentException.class, () -> new RewardTrainer(cfg, SILENT).run(),
                "a finished output folder is not overwritten");
    }

    @Test
    void aKilledRunResumesFromItsCheckpointOntoTheSameTrajectory() throws Exception {
        Path lm = Synthetic.tinyGpt2(tmp.resolve("gpt2"), 32); // GPT-2 has dropout: its masks must repeat too
        assertEquals(0.1, org.rlaif4j.model.ModelConfig.load(lm).residDropout());
        Path data = Synthetic.write(tmp.resolve("prefs.jsonl"), Synthetic.pairs(60, 2));
        List<WeightedSource> src = List.of(new WeightedSource(data, 1.0));
        RewardConfig whole = with(fastConfig(lm, src, tmp.resolve("whole")), 6, 2, 0, TruncationPolicy.FAIL, BadLinePolicy.FAIL);
        RewardResult a = new RewardTrainer(whole, SILENT).run();

        RewardConfig killed = with(fastConfig(lm, src, tmp.resolve("killed")), 6, 2, 0, TruncationPolicy.FAIL, BadLinePolicy.FAIL);
        RuntimeException kill = assertThrows(RuntimeException.class, () -> new RewardTrainer(killed, new RewardTrainer.Listener() {
            @Override
            public void stepped(StepStats s, double acc) {
                if (s.step() == 4) { // 5th step done, after checkpoint-4 and before checkpoint-6
                    throw new RuntimeException("killed");
                }
            }
        }).run());
        assertEquals("killed", kill.getMessage());
        assertTrue(Files.isDirectory(killed.out().resolve("checkpoint-4")));
        assertFalse(Files.exists(killed.out().resolve("checkpoint-2")), "older checkpoints are removed");

        // different settings are refused, naming what differs
        RewardConfig other = new RewardConfig(lm, src, killed.out(), 0.2, 1, 2, 6, 16, 1, 1e-3, 4, 3e-4, true, 0, 1.0, 0,
                TruncationPolicy.FAIL, BadLinePolicy.FAIL, 12, 2, 10, 64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RewardTrainer(other, SILENT).run());
        assertTrue(e.getMessage().contains("lr: checkpoint has 0.003"), e.getMessage());

        RewardResult b = new RewardTrainer(killed, SILENT).run();
        assertEquals(4, b.resumedFromStep());
        assertEquals(a.finalLoss(), b.finalLoss(), 0.0, "same last-step loss");
        ScalarHeadModel ma = ScalarHeadModel.load(a.modelDir());
        ScalarHeadModel mb = ScalarHeadModel.load(b.modelDir());
        try (NoGradGuard g = new NoGradGuard()) {
            ma.namedParameters().forEach((n, t) -> assertTrue(t.equal(mb.namedParameters().get(n)), n + " differs after resume"));
        }
        List<Double> steps = MetricsLog.read(killed.out().resolve(RewardTrainer.METRICS)).stream()
                .filter(m -> m.containsKey("loss")).map(m -> m.get("step")).toList();
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0), steps, "each step logged once");
    }

    @Test
    void badLinesFailBeforeAnythingIsWrittenOrAreSkippedWithTheirLocation() throws Exception {
        Path lm = Synthetic.tinyLm(tmp.resolve("lm"), 32);
        List<ObjectNode> recs = Synthetic.pairs(40, 3);
        List<String> lines = new ArrayList<>();
        recs.forEach(o -> lines.add(org.rlaif4j.data.Jsonl.toLine(o)));
        lines.set(2, "{\"prompt\": \"q:abc \", \"response_a\": \"ab\"");                         // truncated JSON
        lines.set(5, "{\"prompt\": \"q:abc \", \"response_a\": \"ab\", \"p_a\": 0.5}");          // no response_b
        lines.set(7, "{\"prompt\": \"q:abc \", \"response_a\": \"\", \"response_b\": \"cd\", \"p_a\": 1}"); // empty A
        lines.set(9, "{\"prompt\": \"q:abc \", \"response_a\": \"ab\", \"response_b\": \"cd\", \"p_a\": 1.5}");
        Path data = tmp.resolve("bad.jsonl");
        Files.write(data, lines);
        List<WeightedSource> src = List.of(new WeightedSource(data, 1.0));
        Path out = tmp.resolve("out");

        RewardConfig failing = with(fastConfig(lm, src, out), 2, 0, 0, TruncationPolicy.FAIL, BadLinePolicy.FAIL);
        DataFormatException e = assertThrows(DataFormatException.class, () -> new RewardTrainer(failing, SILENT).run());
        assertTrue(e.getMessage().startsWith(data + ":3: not valid JSON"), e.getMessage());
        assertFalse(Files.exists(out), "nothing written for bad data");

        List<String> warnings = new ArrayList<>();
        RewardResult r = new RewardTrainer(with(fastConfig(lm, src, out), 2, 0, 0, TruncationPolicy.FAIL, BadLinePolicy.SKIP),
                new RewardTrainer.Listener() {
                    @Override
                    public void warning(String message) {
                        warnings.add(message);
                    }
                }).run();
        assertEquals(4, r.skippedLines());
        assertEquals(36, r.trainPairs() + r.evalPairs());
        assertTrue(warnings.get(1).startsWith(data + ":6: missing field 'response_b'"), warnings.toString());
        assertTrue(warnings.get(2).startsWith(data + ":8: response A: empty response"), warnings.toString());
        assertTrue(warnings.get(3).startsWith(data + ":10: field 'p_a' must lie in [0, 1]"), warnings.toString());
    }

    @Test
    void overLongPairsFailUnlessThePromptMayBeCutFromTheLeft() throws Exception {
        Path lm = Synthetic.tinyLm(tmp.resolve("lm"), 32);
        Path data = Synthetic.write(tmp.resolve("prefs.jsonl"), Synthetic.pairs(20, 4)); // prompts 6, responses 6 chars (+ bos, + eos)
        List<WeightedSource> src = List.of(new WeightedSource(data, 1.0));
        RewardConfig tooShort = with(fastConfig(lm, src, tmp.resolve("a")), 1, 0, 10, TruncationPolicy.FAIL, BadLinePolicy.FAIL);
        DataFormatException e = assertThrows(DataFormatException.class, () -> new RewardTrainer(tooShort, SILENT).run());
        assertTrue(e.getMessage().contains(":1: response A: prompt (7 tokens) + response (7 tokens) exceed the maximum "
                + "length of 10 tokens") && e.getMessage().contains("--truncation left"), e.getMessage());
        RewardResult r = new RewardTrainer(with(fastConfig(lm, src, tmp.resolve("b")), 1, 0, 10, TruncationPolicy.LEFT,
                BadLinePolicy.FAIL), SILENT).run();
        assertEquals(1, r.steps());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> new RewardTrainer(
                with(fastConfig(lm, src, tmp.resolve("c")), 1, 0, 33, TruncationPolicy.LEFT, BadLinePolicy.FAIL), SILENT).run());
        assertTrue(big.getMessage().contains("--max-length: expected at most the model's max_position_embeddings = 32"),
                big.getMessage());
    }

    private static long[] concat(long[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToLong(java.util.Arrays::stream).toArray();
    }

    @Test
    void encoderCutsThePromptFromTheLeftAndKeepsTheResponse() {
        var tok = new org.rlaif4j.model.tokenizer.CharTokenizer(Synthetic.ALPHABET);
        var format = org.rlaif4j.model.PromptFormat.plain(tok);
        PairEncoder left = new PairEncoder(format, 6, TruncationPolicy.LEFT);
        // the prompt format: <bos> prompt, then response <eos>, as the policy's finished samples look
        long[] fits = left.encode("a", "efg");
        assertArrayEquals(concat(new long[] {1}, tok.encode("aefg"), new long[] {2}), fits, "fits: unchanged");
        assertEquals("cdefg", tok.decode(left.encode("abcd", "efg")), "<bos> and 'ab' cut from the left");
        long[] cut = left.encode("abcd", "efg");
        assertEquals(2L, cut[cut.length - 1], "the response keeps its end token");
        assertEquals("abcde", tok.decode(left.encode("h", "abcde")), "prompt dropped entirely");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> left.encode("a", "abcdef"));
        assertTrue(e.getMessage().contains("response alone is 7 tokens"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PairEncoder(format, 6, TruncationPolicy.FAIL).encode("abcd", "efg"));
        e = assertThrows(IllegalArgumentException.class, () -> left.encode("abc", ""));
        assertTrue(e.getMessage().contains("empty response"), e.getMessage());
    }

    @Test
    void weightedSourcesParseAndScaleTheLoss() {
        assertEquals(new WeightedSource(Path.of("human.jsonl"), 0.3), WeightedSource.parse("human.jsonl:0.3"));
        assertEquals(new WeightedSource(Path.of("ai.jsonl"), 1.0), WeightedSource.parse("ai.jsonl"));
        assertEquals(new WeightedSource(Path.of("a:b.jsonl"), 1.0), WeightedSource.parse("a:b.jsonl"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeightedSource.parse("h.jsonl:0"));
        assertTrue(e.getMessage().contains("weight of h.jsonl: expected a finite number > 0, found 0.0"), e.getMessage());
    }

    @Test
    void folderWritesAreAllOrNothing() throws Exception {
        Path target = tmp.resolve("model");
        RuntimeException e = assertThrows(RuntimeException.class, () -> AtomicDirectory.write(target, dir -> {
            try {
                Files.writeString(dir.resolve("config.json"), "{}");
            } catch (java.io.IOException io) {
                throw new java.io.UncheckedIOException(io);
            }
            throw new RuntimeException("killed mid-write");
        }));
        assertEquals("killed mid-write", e.getMessage());
        assertFalse(Files.exists(target));
        try (var s = Files.list(tmp)) {
            assertEquals(0, s.count(), "temporary folder removed");
        }
        AtomicDirectory.write(target, dir -> { });
        assertTrue(Files.isDirectory(target));
        assertThrows(IllegalStateException.class, () -> AtomicDirectory.write(target, dir -> { }), "never overwrites");
        Files.createDirectories(tmp.resolve(".checkpoint-3.tmp-123"));
        AtomicDirectory.removeTemporaries(tmp);
        assertFalse(Files.exists(tmp.resolve(".checkpoint-3.tmp-123")), "leftover of a killed write cleaned");
        assertTrue(Files.isDirectory(target));
    }
}
