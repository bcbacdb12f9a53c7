package org.rlaif4j.sft;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.tokenizer.CharTokenizer;
import org.rlaif4j.report.MetricsLog;
import org.rlaif4j.train.CheckpointDirs;

/** {@code sft} killed after a step and resumed ends exactly where an uninterrupted run does. */
class SftResumeTest {
    private static final CharTokenizer TOK = new CharTokenizer("abcdefgh");
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @TempDir
    Path tmp;

    /** A kill: thrown from the after-step hook, so nothing after that step runs. */
    private static final class Killed extends RuntimeException {
        Killed() {
            super("killed");
        }
    }

    private static List<SftExample> train() {
        List<SftExample> out = new ArrayList<>();
        for (String p : new String[] {"ab", "cd", "ef", "gh", "ba", "dc", "fe", "hg"}) {
            out.add(new SftExample(p, new StringBuilder(p).reverse() + "e"));
        }
        return out;
    }

    private static final List<SftExample> EVAL = List.of(new SftExample("ac", "cae"), new SftExample("hb", "bhe"));

    /** 8 examples, batch 2 in 2 micro-batches: 4 steps an epoch, 2 epochs; warm-up then cosine; decay on. */
    private static SftConfig config() {
        return new SftConfig(2, 2, 2, 1e-2, 3, 0.01, 0.5, 16, 3, 3, 2, 11);
    }

    private static Map<String, float[]> params(CausalLm m) {
        Map<String, float[]> out = new TreeMap<>();
        m.namedParameters().forEach((n, t) -> out.put(n, Ops.toFloats(t)));
        return out;
    }

    /** Runs with {@code resume}, killed right after step {@code killAt} (0: never). */
    private static SftTrainer.Result run(CausalLm lm, SftConfig cfg, Path out, boolean resume, long killAt) {
        SftTrainer t = new SftTrainer(lm, TOK, cfg).afterEachStep(done -> {
            if (done == killAt) {
                throw new Killed();
            }
        });
        return t.train(train(), EVAL, out, resume, true, QUIET);
    }

    private static List<Long> steps(Path metrics) {
        return MetricsLog.read(metrics).stream().map(r -> r.get("step").longValue()).toList();
    }

    @Test
    void killedAndResumedTwiceEqualsAnUninterruptedRun() throws Exception {
        CausalLm whole = SftTest.tiny(7);
        SftTrainer.Result a = run(whole, config(), tmp.resolve("a"), false, 0);
        assertEquals(8, a.metrics().size());

        Path out = tmp.resolve("b");
        // killed mid-epoch, after checkpoint 3 and one more logged step
        assertThrows(Killed.class, () -> run(SftTest.tiny(7), config(), out, false, 4));
        assertEquals(List.of(1L, 2L, 3L, 4L), steps(out.resolve("metrics.jsonl")));
        assertEquals("step-000003", CheckpointDirs.latest(out.resolve("checkpoints")).orElseThrow().getFileName().toString());
        assertFalse(Files.exists(out.resolve("final")));
        // a fresh process: the starting model again, then --resume; killed again in the second epoch
        assertThrows(Killed.class, () -> run(SftTest.tiny(7), config(), out, true, 7));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), steps(out.resolve("metrics.jsonl")), "row 4 logged once");
        assertEquals("step-000006", CheckpointDirs.latest(out.resolve("checkpoints")).orElseThrow().getFileName().toString());
        CausalLm resumed = SftTest.tiny(7);
        SftTrainer.Result b = run(resumed, config(), out, true, 0);

        Map<String, float[]> pa = params(whole);
        Map<String, float[]> pb = params(resumed);
        assertEquals(pa.keySet(), pb.keySet());
        pa.forEach((n, v) -> assertArrayEquals(v, pb.get(n), n + ": resumed run's parameters differ (bitwise)"));
        Map<String, float[]> saved = params(CausalLm.load(b.finalModel()));
        pa.forEach((n, v) -> assertArrayEquals(v, saved.get(n), n + " in final/"));

        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), steps(out.resolve("metrics.jsonl")), "each step once");
        assertEquals(8, b.metrics().size(), "the result holds the whole run's rows");
        for (int i = 0; i < 8; i++) {
            for (String k : List.of("step", "epoch", "loss", "grad_norm", "lr", "eval_loss")) {
                assertEquals(a.metrics().get(i).get(k), b.metrics().get(i).get(k), "row " + (i + 1) + " " + k);
            }
        }
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(9, csv.size(), "header and 8 rows");
        assertEquals(a.finalEvalLoss(), b.finalEvalLoss());
    }

    @Test
    void refusesDifferentSettingsAndAFreshRunOverCheckpoints() throws Exception {
        Path out = tmp.resolve("run");
        assertThrows(Killed.class, () -> run(SftTest.tiny(7), config(), out, false, 4));

        SftConfig other = new SftConfig(2, 2, 2, 2e-2, 3, 0.01, 0.5, 16, 3, 3, 2, 12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(SftTest.tiny(7), other, out, true, 0));
        assertTrue(e.getMessage().contains("cannot resume with different settings"), e.getMessage());
        assertTrue(e.getMessage().contains("lr: checkpoint has 0.01, this run has 0.02"), e.getMessage());
        assertTrue(e.getMessage().contains("seed: checkpoint has 11, this run has 12"), e.getMessage());
        assertFalse(e.getMessage().contains("epochs"), e.getMessage());

        List<SftExample> changed = new ArrayList<>(train());
        changed.set(0, new SftExample("ab", "bb"));
        IllegalArgumentException data = assertThrows(IllegalArgumentException.class, () ->
                new SftTrainer(SftTest.tiny(7), TOK, config()).train(changed, EVAL, out, true, true, QUIET));
        assertTrue(data.getMessage().contains("train_sha256"), data.getMessage());

        IllegalArgumentException fresh = assertThrows(IllegalArgumentException.class, () -> run(SftTest.tiny(7), config(), out, false, 0));
        assertTrue(fresh.getMessage().contains("pass --resume"), fresh.getMessage());

        // eval/save/keep settings may change on resume
        SftConfig laterSaves = new SftConfig(2, 2, 2, 1e-2, 3, 0.01, 0.5, 16, 0, 5, 1, 11);
        SftTrainer.Result r = run(SftTest.tiny(7), laterSaves, out, true, 0);
        assertEquals(8, r.metrics().size());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), steps(out.resolve("metrics.jsonl")));
    }

    @Test
    void resumeWithoutACheckpointStartsFromTheBeginning() throws Exception {
        Path out = tmp.resolve("c");
        // killed before its first checkpoint: its rows must not be doubled
        assertThrows(Killed.class, () -> run(SftTest.tiny(7), config(), out, true, 2));
        SftTrainer.Result r = run(SftTest.tiny(7), config(), out, true, 0);
        assertEquals(8, r.metrics().size());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), steps(out.resolve("metrics.jsonl")));
    }
}
