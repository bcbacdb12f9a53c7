package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.AppendLog;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.data.PreferenceRecord;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.feedback.TinyCheckpoints;

class LabelCommandTest {
    @TempDir
    static Path shared;
    @TempDir
    Path tmp;
    static Path labeler;
    static Path constitution;

    @BeforeAll
    static void checkpoint() throws Exception {
        labeler = TinyCheckpoints.save(shared.resolve("labeler"), 512, 32, 2, 21);
        constitution = shared.resolve("constitution.json");
        Files.writeString(constitution, """
                {"preamble": "Pick the better reply.",
                 "principles": [{"name": "kind", "text": "Be kind."}, {"name": "true", "text": "Be true."}]}
                """);
    }

    static Path pairs(Path dir, int n) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(new PairRecord("p" + i, "Question " + i + "?", "Answer " + i, "Reply " + (i * 7) + "!").toJson().toString());
        }
        Path f = dir.resolve("pairs.jsonl");
        Files.write(f, lines);
        return f;
    }

    private static String[] args(Path pairs, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("label", "--pairs", pairs.toString(), "--out", out.toString(),
                "--labeler", labeler.toString(), "--constitution", constitution.toString(), "--quiet", "--batch-size", "3"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void labelsEveryPairWithTheDesignFieldsAndWritesReportAndReview() throws Exception {
        Path in = pairs(tmp, 7);
        Path out = tmp.resolve("prefs.jsonl");
        CliRun r = CliRun.of(args(in, out, "--review-below", "0.9"));
        assertEquals(0, r.exitCode(), r.err());
        List<ObjectNode> records = AppendLog.readAll(out);
        assertEquals(7, records.size());
        String sha = Constitution.load(constitution).sha256();
        int disagree = 0;
        int review = 0;
        double bias = 0;
        for (int i = 0; i < 7; i++) {
            ObjectNode o = records.get(i);
            assertEquals("p" + i, o.get("id").asText(), "input order");
            double pA = o.get("p_a").asDouble();
            assertEquals((o.get("p_a_ab").asDouble() + o.get("p_a_ba").asDouble()) / 2, pA, 1e-12);
            assertEquals(pA >= 0.5 ? o.get("response_a") : o.get("response_b"), o.get("chosen"));
            assertEquals(pA >= 0.5 ? o.get("response_b") : o.get("response_a"), o.get("rejected"));
            assertEquals("local:" + labeler, o.get("labeler").asText());
            assertEquals(sha, o.get("constitution_sha256").asText());
            assertEquals(1, o.get("principles").size());
            PreferenceRecord p = PreferenceRecord.fromJson(o, i + 1);
            disagree += p.ordersAgree() ? 0 : 1;
            review += !p.ordersAgree() || Math.max(pA, 1 - pA) < 0.9 ? 1 : 0;
            bias += Math.abs(p.pAAb() - p.pABa());
        }
        JsonNode report = new ObjectMapper().readTree(tmp.resolve("prefs.report.json").toFile());
        assertEquals(7, report.get("count").asInt());
        assertEquals((7 - disagree) / 7.0, report.get("position_consistency").asDouble(), 1e-12);
        assertEquals(bias / 7, report.get("mean_position_bias").asDouble(), 1e-12);
        assertEquals(review, report.get("review").asInt());
        assertTrue(review > 0, "a random labeler is rarely 90% sure");
        List<ObjectNode> reviewed = AppendLog.readAll(tmp.resolve("prefs.review.jsonl"));
        assertEquals(review, reviewed.size());
        assertTrue(reviewed.get(0).get("review_reason").asText().matches("(orders disagree|confidence).*"));
        assertTrue(r.out().startsWith("labeled 7 pairs (7 this run) into " + out), r.out());

        byte[] before = Files.readAllBytes(out);
        CliRun again = CliRun.of(args(in, out));
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().startsWith("labeled 7 pairs (0 this run)"), again.out());
        assertArrayEquals(before, Files.readAllBytes(out), "a finished job is not redone");
    }

    @Test
    void badInputStopsTheJobBeforeAnythingIsWritten() throws Exception {
        Path in = pairs(tmp, 4);
        List<String> lines = new ArrayList<>(Files.readAllLines(in));
        lines.add(2, "{\"id\": \"broken\", \"prompt\": \"q\", \"response_a\": \"x\"");
        lines.add("{\"id\": \"empty\", \"prompt\": \"q\", \"response_a\": \"x\", \"response_b\": \" \"}");
        Files.write(in, lines);
        Path out = tmp.resolve("prefs.jsonl");
        CliRun r = CliRun.of(args(in, out));
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("rlaif4j label: " + in + ":3: not valid JSON"), r.err());
        assertFalse(Files.exists(out), "nothing written on bad input");

        CliRun skip = CliRun.of(args(in, out, "--bad-lines", "skip"));
        assertEquals(0, skip.exitCode(), skip.err());
        assertTrue(skip.err().contains("warning: skipped " + in + ":6: field 'response_b' is empty"), skip.err());
        assertEquals(4, AppendLog.readAll(out).size());
        JsonNode report = new ObjectMapper().readTree(tmp.resolve("prefs.report.json").toFile());
        assertEquals(2, report.get("skipped_lines").asInt());

        Path tooLong = tmp.resolve("long.jsonl");
        Files.writeString(tooLong, new PairRecord("big", "x".repeat(600), "a", "b").toJson() + "\n");
        CliRun big = CliRun.of(args(tooLong, tmp.resolve("long-out.jsonl")));
        assertEquals(1, big.exitCode());
        assertTrue(big.err().contains("pair 'big': the labeling prompt is"), big.err());
        assertFalse(Files.exists(tmp.resolve("long-out.jsonl")));
        CliRun cut = CliRun.of(args(tooLong, tmp.resolve("long-out.jsonl"), "--too-long", "truncate"));
        assertEquals(0, cut.exitCode(), cut.err());
        assertTrue(AppendLog.readAll(tmp.resolve("long-out.jsonl")).get(0).get("truncated").asBoolean());
    }

    @Test
    void refusesToResumeAnotherRunsOutputOrAmbiguousLabelerFlags() throws Exception {
        Path in = pairs(tmp, 2);
        Path out = tmp.resolve("prefs.jsonl");
        assertEquals(0, CliRun.of(args(in, out)).exitCode());
        byte[] before = Files.readAllBytes(out);
        Path other = tmp.resolve("other.json");
        Files.writeString(other, Files.readString(constitution).replace("Be kind.", "Be very kind."));
        List<String> a = new ArrayList<>(List.of(args(in, out)));
        a.set(a.indexOf(constitution.toString()), other.toString());
        CliRun r = CliRun.of(a.toArray(String[]::new));
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("pair 'p0' was labeled by local:" + labeler + " with constitution "
                + Constitution.load(constitution).sha256() + ", this run uses"), r.err());
        assertArrayEquals(before, Files.readAllBytes(out));

        CliRun both = CliRun.of(args(in, out, "--server", "http://127.0.0.1:9", "--model", "m"));
        assertEquals(1, both.exitCode());
        assertTrue(both.err().contains("expected exactly one of --labeler DIR or --server URL, found both"), both.err());

        // a server that is down fails clearly and leaves no empty output behind
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Path downOut = tmp.resolve("down.jsonl");
        CliRun down = CliRun.of("label", "--pairs", in.toString(), "--out", downOut.toString(), "--server",
                "http://127.0.0.1:" + closedPort, "--model", "m", "--retries", "0", "--quiet");
        assertEquals(1, down.exitCode());
        assertTrue(down.err().contains("failed 1 tries; last problem: cannot connect"), down.err());
        assertFalse(Files.exists(downOut));

        // --api chat speaks /v1/chat/completions, and applies to a server only
        CliRun chat = CliRun.of("label", "--pairs", in.toString(), "--out", downOut.toString(), "--server",
                "http://127.0.0.1:" + closedPort, "--model", "m", "--api", "chat", "--retries", "0", "--quiet");
        assertEquals(1, chat.exitCode());
        assertTrue(chat.err().contains("labeler server http://127.0.0.1:" + closedPort + "/v1/chat/completions failed "
                + "1 tries"), chat.err());
        CliRun local = CliRun.of(args(in, tmp.resolve("local.jsonl"), "--api", "chat"));
        assertEquals(1, local.exitCode());
        assertTrue(local.err().contains("--api applies to --server only"), local.err());
    }
}
