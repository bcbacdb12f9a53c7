package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.AppendLog;
import org.rlaif4j.feedback.TinyCheckpoints;

/**
 * {@code label} in a child JVM, killed with SIGKILL after some records appear, then rerun with the
 * same command: every pair ends up labeled exactly once, with the labels of an uninterrupted run.
 */
class LabelKillResumeTest {
    private static final int PAIRS = 40;

    @TempDir
    Path tmp;

    private Process child(List<String> args, String log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        File logFile = tmp.resolve(log).toFile();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile);
        pb.environment().put("OMP_NUM_THREADS", "1"); // a tiny model gains nothing from threads on a busy CI machine
        return pb.start();
    }

    private static long completeLines(Path f) throws Exception {
        if (!Files.exists(f)) {
            return 0;
        }
        byte[] b = Files.readAllBytes(f);
        long n = 0;
        for (byte x : b) {
            n += x == '\n' ? 1 : 0;
        }
        return n;
    }

    private static Map<String, ObjectNode> byId(Path file) throws Exception {
        Map<String, ObjectNode> m = new HashMap<>();
        AppendLog.readAll(file).forEach(o -> m.put(o.get("id").asText(), o));
        return m;
    }

    @Test
    void killedMidRunAndResumedLabelsEveryPairExactlyOnceAsAnUninterruptedRun() throws Exception {
        Path labeler = TinyCheckpoints.save(tmp.resolve("labeler"), 256, 48, 2, 13);
        Path constitution = tmp.resolve("constitution.json");
        Files.writeString(constitution, "{\"preamble\": \"Pick the better reply.\", \"principles\": "
                + "[{\"name\": \"kind\", \"text\": \"Be kind.\"}, {\"name\": \"true\", \"text\": \"Be true.\"}]}");
        Path in = LabelCommandTest.pairs(tmp, PAIRS);
        Path out = tmp.resolve("prefs.jsonl");
        List<String> args = List.of("label", "--pairs", in.toString(), "--out", out.toString(), "--labeler",
                labeler.toString(), "--constitution", constitution.toString(), "--batch-size", "1", "--quiet");

        Process first = child(args, "first.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (completeLines(out) < 3 && first.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(first.isAlive(), "the child ended before it could be killed: "
                + Files.readString(tmp.resolve("first.log")));
        first.destroyForcibly();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        long atKill = completeLines(out);
        assertTrue(atKill >= 3 && atKill < PAIRS, "killed mid-run, with " + atKill + " of " + PAIRS + " labeled");
        // a write torn by the kill: a partial last line that the rerun must repair
        if (Files.size(out) > 0 && Files.readAllBytes(out)[(int) Files.size(out) - 1] == '\n') {
            Files.writeString(out, "{\"id\":\"p5", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        }

        Process second = child(args, "second.log");
        assertTrue(second.waitFor(120, TimeUnit.SECONDS), "the resumed run did not finish");
        String log = Files.readString(tmp.resolve("second.log"));
        assertEquals(0, second.exitValue(), log);
        assertTrue(log.contains("removed a partial last line"), log);
        assertTrue(log.contains("labeled " + PAIRS + " pairs (" + (PAIRS - atKill) + " this run)"), log);

        List<ObjectNode> resumed = AppendLog.readAll(out);
        assertEquals(PAIRS, resumed.size(), "no lost or duplicated records");
        assertEquals(PAIRS, new HashSet<>(resumed.stream().map(o -> o.get("id").asText()).toList()).size());

        // The same command uninterrupted, in a child like the killed run (same batching, same threads):
        // resuming must reproduce its labels exactly.
        Path reference = tmp.resolve("reference.jsonl");
        List<String> refArgs = new ArrayList<>(args);
        refArgs.set(refArgs.indexOf(out.toString()), reference.toString());
        Process ref = child(refArgs, "reference.log");
        assertTrue(ref.waitFor(120, TimeUnit.SECONDS), "the uninterrupted run did not finish");
        assertEquals(0, ref.exitValue(), Files.readString(tmp.resolve("reference.log")));
        // and in one batch of 40, in this JVM: float32 GEMMs of another shape and thread count round
        // differently, so the labels agree to float32 precision (about 1e-7 relative in the logits)
        Path batched = tmp.resolve("batched.jsonl");
        CliRun whole = CliRun.of("label", "--pairs", in.toString(), "--out", batched.toString(), "--labeler",
                labeler.toString(), "--constitution", constitution.toString(), "--batch-size", "40", "--quiet");
        assertEquals(0, whole.exitCode(), whole.err());
        Map<String, ObjectNode> expected = byId(reference);
        Map<String, ObjectNode> inOneBatch = byId(batched);
        for (ObjectNode got : resumed) {
            ObjectNode want = expected.get(got.get("id").asText());
            assertNotNull(want, "unexpected id " + got.get("id"));
            for (String f : List.of("p_a", "p_a_ab", "p_a_ba")) {
                assertEquals(want.get(f).asDouble(), got.get(f).asDouble(), 0.0, got.get("id") + " " + f);
                assertEquals(inOneBatch.get(got.get("id").asText()).get(f).asDouble(), got.get(f).asDouble(), 2e-5,
                        got.get("id") + " " + f + " batched");
            }
            for (String f : List.of("prompt", "chosen", "rejected", "response_a", "response_b", "labeler",
                    "constitution_sha256", "principles")) {
                assertEquals(want.get(f), got.get(f), got.get("id") + " " + f);
            }
        }
        assertEquals(Files.readString(reference.resolveSibling("reference.review.jsonl")).lines().count(),
                Files.readString(tmp.resolve("prefs.review.jsonl")).lines().count());
    }
}
