package org.rlaif4j.sft;

import static org.junit.jupiter.api.Assertions.*;
import static org.rlaif4j.dist.RankChecks.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.cli.Main;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.tokenizer.CharTokenizer;

/** Data-parallel SFT with two Gloo ranks on localhost: threads for the equivalence, child JVMs for a killed rank. */
class SftDataParallelTest {
    private static final CharTokenizer TOK = new CharTokenizer("abcdefgh");

    @TempDir
    Path tmp;

    private static List<SftExample> examples(int n) {
        List<SftExample> out = new ArrayList<>();
        String letters = "abcdefgh";
        for (int i = 0; i < n; i++) {
            String p = "" + letters.charAt(i % 8) + letters.charAt((i * 3) % 8);
            out.add(new SftExample(p, new StringBuilder(p).reverse() + letters.substring(i % 5, i % 5 + 1 + i % 3)));
        }
        return out;
    }

    private static Map<String, float[]> params(CausalLm m) {
        return snapshot(m.namedParameters());
    }

    @Test
    void twoRanksEndIdenticalAndEqualToOneProcessOnTheCombinedBatch() throws Exception {
        List<SftExample> train = examples(24);
        List<SftExample> eval = examples(7).subList(2, 7);
        PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
        // one process: 8 examples per step in two micro-batches of 4; 24 examples = 3 steps
        SftConfig one = SftConfig.defaults().withEpochs(1).withBatch(8, 2).withLr(1e-2, 1);
        CausalLm single = SftTest.tiny(3);
        Map<String, float[]> init = params(single);
        SftTrainer.Result s = new SftTrainer(single, TOK, one).train(train, eval, tmp.resolve("single"), true, quiet);

        SftConfig perRank = one.withBatch(4, 1);
        List<Object[]> ranks = onTwoRanks((r, dp) -> {
            CausalLm lm = SftTest.tiny(3 + r); // rank 1 starts elsewhere: the broadcast must fix that
            SftTrainer.Result res = new SftTrainer(lm, TOK, perRank, dp).train(train, eval, tmp.resolve("ddp"), true, quiet);
            return new Object[] {res, params(lm)};
        });
        Object[] r0 = ranks.get(0);
        Object[] r1 = ranks.get(1);
        SftTrainer.Result res0 = (SftTrainer.Result) r0[0];
        SftTrainer.Result res1 = (SftTrainer.Result) r1[0];
        @SuppressWarnings("unchecked") Map<String, float[]> p0 = (Map<String, float[]>) r0[1];
        @SuppressWarnings("unchecked") Map<String, float[]> p1 = (Map<String, float[]>) r1[1];
        assertEquals(0.0, res1.maxDriftFromRankZero());
        assertEquals(0.0, maxDiff(p0, p1), "ranks in sync");
        double diff = maxDiff(p0, params(single));
        assertTrue(diff < 1e-4, "2 ranks vs one process on the combined batch: parameters differ by " + diff);
        assertTrue(maxDiff(init, params(single)) > 1e-3, "3 steps at lr 1e-2 moved the parameters");
        assertEquals(s.finalEvalLoss(), res0.finalEvalLoss(), 1e-5, "eval loss summed over the ranks' shares");
        assertEquals(s.finalEvalLoss(), res1.finalEvalLoss(), 1e-5);
        assertEquals(3, res0.metrics().size());
        for (int i = 0; i < 3; i++) {
            assertEquals(s.metrics().get(i).get("loss"), res0.metrics().get(i).get("loss"), 1e-5, "loss of step " + (i + 1));
        }
        assertTrue(res1.metrics().isEmpty(), "only rank 0 logs");
        assertTrue(Files.isDirectory(tmp.resolve("ddp/final")));
        assertEquals(3, Files.readAllLines(tmp.resolve("ddp/metrics.jsonl")).size(), "one metrics file, written once");
    }

    /** Both ranks on {@code out}; each is stopped (an exception from its after-step hook) after step {@code stopAt} (0: never). */
    private List<Object> twoRanks(List<SftExample> train, List<SftExample> eval, SftConfig cfg, Path out, boolean resume,
            long stopAt) throws Exception {
        return onTwoRanks((r, dp) -> {
            CausalLm lm = SftTest.tiny(3);
            try {
                new SftTrainer(lm, TOK, cfg, dp).afterEachStep(done -> {
                    if (done == stopAt) {
                        throw new IllegalStateException("stopped");
                    }
                }).train(train, eval, out, resume, true, new PrintStream(PrintStream.nullOutputStream()));
            } catch (IllegalStateException e) {
                return e.getMessage();
            }
            return params(lm);
        });
    }

    @Test
    void twoRanksStoppedAndResumedEndAsAnUninterruptedTwoRankRun() throws Exception {
        List<SftExample> train = examples(24);
        List<SftExample> eval = examples(7).subList(2, 7);
        // 4 examples per rank and step: 3 steps an epoch, 2 epochs; checkpoints at 2 and 4
        SftConfig cfg = SftConfig.defaults().withEpochs(2).withBatch(4, 2).withLr(1e-2, 2).withSchedule(0, 2);
        List<Object> whole = twoRanks(train, eval, cfg, tmp.resolve("a"), false, 0);
        Path out = tmp.resolve("b");
        assertEquals(List.of("stopped", "stopped"), twoRanks(train, eval, cfg, out, false, 3));
        assertEquals(3, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        List<Object> resumed = twoRanks(train, eval, cfg, out, true, 0);
        for (int r = 0; r < 2; r++) {
            @SuppressWarnings("unchecked") Map<String, float[]> pa = (Map<String, float[]>) whole.get(r);
            @SuppressWarnings("unchecked") Map<String, float[]> pb = (Map<String, float[]>) resumed.get(r);
            assertEquals(0.0, maxDiff(pa, pb), "rank " + r + ": resumed vs uninterrupted");
        }
        List<Long> steps = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            steps.add(Jsonl.mapper().readTree(line).get("step").asLong());
        }
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), steps, "each step logged once, by rank 0");
    }

    @Test
    void killingOneRankMakesTheOtherExitWithAClearErrorWithinTheTimeout() throws Exception {
        Path model = tmp.resolve("lm");
        SftTest.tiny(3).save(model);
        TOK.save(model);
        Path data = tmp.resolve("train.jsonl");
        StringBuilder lines = new StringBuilder();
        for (SftExample e : examples(64)) {
            ObjectNode o = Jsonl.mapper().createObjectNode();
            o.put("prompt", e.prompt().asText());
            o.put("response", e.response());
            lines.append(Jsonl.toLine(o)).append('\n');
        }
        Files.writeString(data, lines);
        int port = freePort();
        Process[] ranks = new Process[2];
        Path[] logs = new Path[2];
        for (int r = 0; r < 2; r++) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "sft", "--model",
                    model.toString(), "--data", data.toString(), "--eval-fraction", "0", "--out", tmp.resolve("out").toString(),
                    "--epochs", "100000", "--batch-size", "2", "--max-length", "16", "--quiet", "--rank", Integer.toString(r),
                    "--world-size", "2", "--master-addr", "127.0.0.1", "--master-port", Integer.toString(port),
                    "--dist-timeout-s", "30"));
            logs[r] = tmp.resolve("rank" + r + ".log");
            ranks[r] = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logs[r].toFile()).start();
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(tmp.resolve("out/metrics.jsonl")) || Files.size(tmp.resolve("out/metrics.jsonl")) == 0) {
                assertTrue(System.nanoTime() < deadline && ranks[0].isAlive() && ranks[1].isAlive(),
                        "both ranks train: " + Files.readString(logs[0]) + Files.readString(logs[1]));
                Thread.sleep(200);
            }
            killRankOneAndExpectRankZeroToFailFast(ranks, logs[0]);
        } finally {
            for (Process p : ranks) {
                p.destroyForcibly();
            }
        }
    }
}
