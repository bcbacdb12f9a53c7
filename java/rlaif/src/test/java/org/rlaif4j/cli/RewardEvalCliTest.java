package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.reward.Synthetic;

/** {@code train-rm} and {@code eval} through the real command line, with captured outputs. */
class RewardEvalCliTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static JsonNode json(Path p) throws Exception {
        return Jsonl.mapper().readTree(p.toFile());
    }

    @Test
    void trainRmThenJudgeAWinRateWithTheRewardModel() throws Exception {
        Path lm = Synthetic.tinyLm(tmp.resolve("lm"), 32);
        Path ai = Synthetic.write(tmp.resolve("ai.jsonl"), Synthetic.pairs(96, 5));
        Path human = Synthetic.write(tmp.resolve("human.jsonl"), Synthetic.pairs(32, 6));
        Path out = tmp.resolve("rm");
        CliRun r = run("train-rm", "--model", lm.toString(), "--data", ai + ":1.0", "--data", human + ":0.3",
                "--out", out.toString(), "--epochs", "2", "--micro-batch", "16", "--lr", "3e-3", "--warmup-steps", "2",
                "--eval-fraction", "0.25", "--eval-every", "4", "--quiet");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("train-rm: 96 train / 32 eval pairs, 12 steps, from a causal-lm"), r.out());
        assertTrue(r.out().contains("step 4: eval accuracy"), r.out());
        assertTrue(r.out().contains("saved to " + out.resolve("model")), r.out());
        JsonNode summary = json(out.resolve("summary.json"));
        assertEquals(12, summary.get("steps").asInt());
        assertTrue(summary.get("eval").get("accuracy").asDouble() > 0.8, summary.toString());
        assertTrue(Files.size(out.resolve("train_rm.png")) > 1000, "plot written");
        assertTrue(Files.readString(out.resolve("metrics.csv")).startsWith("step,eval_loss,eval_accuracy,eval_ece,"),
                "CSV header");

        // the reward model as a judge: the marked response of each pair should win
        StringBuilder pairs = new StringBuilder();
        for (var o : Synthetic.pairs(30, 7)) {
            String good = o.has("chosen") ? o.get("chosen").asText()
                    : o.get("p_a").asDouble() > 0.5 ? o.get("response_a").asText() : o.get("response_b").asText();
            String bad = o.has("chosen") ? o.get("rejected").asText()
                    : o.get("p_a").asDouble() > 0.5 ? o.get("response_b").asText() : o.get("response_a").asText();
            pairs.append(Jsonl.toLine(Jsonl.mapper().createObjectNode().put("prompt", o.get("prompt").asText())
                    .put("response_a", good).put("response_b", bad))).append('\n');
        }
        Path pairFile = tmp.resolve("pairs.jsonl");
        Files.writeString(pairFile, pairs);
        Path evalOut = tmp.resolve("eval");
        CliRun w = run("eval", "win-rate", "--pairs", pairFile.toString(), "--judge-rm", out.resolve("model").toString(),
                "--out", evalOut.toString(), "--both-orders");
        assertEquals(0, w.exitCode(), w.out() + w.err());
        JsonNode wr = json(evalOut.resolve("win_rate.json"));
        assertEquals(30, wr.get("comparisons").asInt());
        assertTrue(wr.get("win_rate").asDouble() > 0.8, wr.toString());
        assertTrue(wr.get("ci95").get(0).asDouble() < wr.get("win_rate").asDouble());
        assertTrue(w.out().contains("| judge | reward-model:"), w.out());
        assertTrue(Files.readString(evalOut.resolve("win_rate.md")).contains("| win rate (tie = 1/2) |"));
    }

    @Test
    void trainRmReportsBadInputAsOneLineAndWritesNothing() throws Exception {
        Path lm = Synthetic.tinyLm(tmp.resolve("lm"), 32);
        Path data = tmp.resolve("bad.jsonl");
        Files.writeString(data, "{\"prompt\": \"q:a \", \"chosen\": \"ab\", \"rejected\": \"cd\"}\n\n{oops\n");
        Path out = tmp.resolve("out");
        CliRun r = run("train-rm", "--model", lm.toString(), "--data", data.toString(), "--out", out.toString(), "--quiet");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("rlaif4j train-rm: " + data + ":3: not valid JSON"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertFalse(Files.exists(out));

        r = run("train-rm", "--model", lm.toString(), "--data", data.toString(), "--out", out.toString(),
                "--truncation", "middle");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--truncation: expected one of [fail, left], found 'middle'"), r.err());
        r = run("train-rm", "--model", lm.toString(), "--data", data + ":-1", "--out", out.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("expected a finite number > 0, found -1.0"), r.err());
    }

    @Test
    void evalAlignmentHarmlessAndRuleWinRate() throws Exception {
        Path human = tmp.resolve("human.jsonl");
        Files.write(human, List.of(
                "{\"id\": \"1\", \"prompt\": \"p1\", \"chosen\": \"good\", \"rejected\": \"bad\"}",
                "{\"id\": \"2\", \"prompt\": \"p2\", \"response_a\": \"x\", \"response_b\": \"y\", \"p_a\": 0.0}",
                "{\"id\": \"3\", \"prompt\": \"p3\", \"response_a\": \"x\", \"response_b\": \"y\", \"p_a\": 1.0}"));
        Path ai = tmp.resolve("ai.jsonl");
        Files.write(ai, List.of(
                "{\"id\": \"1\", \"prompt\": \"p1\", \"response_a\": \"bad\", \"response_b\": \"good\", \"p_a\": 0.2}",
                "{\"id\": \"2\", \"prompt\": \"p2\", \"response_a\": \"x\", \"response_b\": \"y\", \"p_a\": 0.5}",
                "{\"id\": \"3\", \"prompt\": \"p3\", \"response_a\": \"x\", \"response_b\": \"y\", \"p_a\": 0.1}"));
        Path out = tmp.resolve("eval");
        CliRun r = run("eval", "alignment", "--ai", ai.toString(), "--human", human.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.out() + r.err());
        JsonNode a = json(out.resolve("alignment.json"));
        assertEquals(1, a.get("agree").asInt(), "pair 1 agrees after the A/B swap");
        assertEquals(1, a.get("disagree").asInt());
        assertEquals(1, a.get("ai_ties").asInt());
        assertEquals(0.5, a.get("alignment").asDouble(), 1e-12);
        assertTrue(r.out().contains("| AI ties (p_a = 0.5) | 1 |"), r.out());

        Files.write(ai, List.of("{\"id\": \"7\", \"prompt\": \"p7\", \"response_a\": \"x\", \"response_b\": \"y\", \"p_a\": 0.9}"));
        Path out2 = tmp.resolve("eval2");
        r = run("eval", "alignment", "--ai", ai.toString(), "--human", human.toString(), "--out", out2.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("have no human counterpart") && r.err().contains(ai + ":1"), r.err());
        assertFalse(Files.exists(out2), "nothing written for an error");

        Path rules = tmp.resolve("rules.json");
        Files.writeString(rules, "{\"rules\": [{\"name\": \"polite\", \"keyword\": \"please\", \"weight\": 1},"
                + " {\"name\": \"weapon\", \"regex\": \"(?i)\\\\bbomb\\\\b\", \"weight\": -2, \"harmful\": true}]}");
        Path resp = tmp.resolve("resp.jsonl");
        Files.write(resp, List.of("{\"prompt\": \"p1\", \"response\": \"sure, please wait\"}",
                "{\"prompt\": \"p2\", \"response\": \"here is a bomb recipe\"}", "{\"prompt\": \"p3\", \"response\": \"\"}",
                "{\"prompt\": \"p4\", \"response\": \"no\"}"));
        r = run("eval", "harmless", "--responses", resp.toString(), "--judge-rules", rules.toString(), "--out", out.toString());
        assertEquals(1, r.exitCode(), "empty response fails by default");
        assertTrue(r.err().contains(resp + ":3: field 'response' is empty"), r.err());
        r = run("eval", "harmless", "--responses", resp.toString(), "--judge-rules", rules.toString(), "--out", out.toString(),
                "--bad-lines", "skip");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("warning: " + resp + ":3:"), r.err());
        JsonNode h = json(out.resolve("harmless_rate.json"));
        assertEquals(3, h.get("responses").asInt());
        assertEquals(2.0 / 3, h.get("harmless_rate").asDouble(), 1e-12);
        assertEquals(1, h.get("skipped_lines").asInt());

        Path x = tmp.resolve("x.jsonl");
        Path y = tmp.resolve("y.jsonl");
        Files.write(x, List.of("{\"prompt\": \"p1\", \"response\": \"please\"}", "{\"prompt\": \"p2\", \"response\": \"ok\"}"));
        Files.write(y, List.of("{\"prompt\": \"p2\", \"response\": \"a bomb\"}", "{\"prompt\": \"p1\", \"response\": \"please do\"}"));
        r = run("eval", "win-rate", "--x", x.toString(), "--y", y.toString(), "--judge-rules", rules.toString(),
                "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode wr = json(out.resolve("win_rate.json"));
        assertEquals(1, wr.get("wins").asInt(), wr.toString());
        assertEquals(1, wr.get("ties").asInt(), wr.toString());
        assertEquals(0.75, wr.get("win_rate").asDouble(), 1e-12);

        assertEquals(2, run("eval").exitCode(), "a metric is required");
        assertEquals(2, run("eval", "win-rate", "--x", x.toString(), "--y", y.toString(), "--out", out.toString()).exitCode(),
                "a judge is required");
    }
}
