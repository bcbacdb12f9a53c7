package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.AppendLog;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.eval.HarmlessnessJudge;
import org.rlaif4j.eval.LabelerJudge;
import org.rlaif4j.eval.PreferenceJudge;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.feedback.LabelerOptions;
import org.rlaif4j.feedback.LocalLmLabeler;
import org.rlaif4j.feedback.ResponseToScore;
import org.rlaif4j.feedback.TinyCheckpoints;
import org.rlaif4j.report.MetricsLog;

/** {@code ppo --direct-reward} and {@code eval --judge-labeler} on tiny random checkpoints over a character tokenizer. */
class DirectRewardAndJudgeCliTest {
    @TempDir
    static Path tmp;
    private static Path policy;
    private static Path labeler;
    private static Path constitution;
    private static Path prompts;

    @BeforeAll
    static void setUp() throws Exception {
        policy = TinyCheckpoints.save(tmp.resolve("policy"), 64, 32, 1, 1);
        labeler = TinyCheckpoints.save(tmp.resolve("labeler"), 512, 32, 1, 2);
        constitution = tmp.resolve("constitution.json");
        // "10" is two characters of this tokenizer: score on 1..9; "all" keeps the prompt independent of the rollout's row
        Files.writeString(constitution, """
                {"preamble": "Pick the better reply.", "principle_mode": "all",
                 "principles": [{"name": "kind", "text": "Be kind."}],
                 "score_tokens": ["1", "2", "3", "4", "5", "6", "7", "8", "9"]}
                """);
        prompts = tmp.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"prompt\":\"Hi\"}\n{\"prompt\":\"Yo\"}\n");
    }

    private static List<String> ppoArgs(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("ppo", "--policy", policy.toString(), "--prompts", prompts.toString(),
                "--out", out.toString(), "--iterations", "1", "--batch-prompts", "2", "--max-new-tokens", "4",
                "--minibatch", "2", "--epochs", "1", "--log-samples", "2", "--seed", "5", "--quiet"));
        a.addAll(List.of(extra));
        return a;
    }

    private static CliRun run(List<String> args) {
        return CliRun.of(args.toArray(new String[0]));
    }

    @Test
    void directRewardIsTheLabelersScaledScoreOfEachRollout() throws Exception {
        Path out = tmp.resolve("ppo-direct");
        CliRun r = run(ppoArgs(out, "--direct-reward", "--labeler", labeler.toString(), "--constitution",
                constitution.toString()));
        assertEquals(0, r.exitCode(), r.out() + r.err());
        List<Map<String, Double>> metrics = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertEquals(1, metrics.size());
        List<ObjectNode> samples = AppendLog.readAll(out.resolve("samples.jsonl"));
        assertEquals(2, samples.size());
        try (LocalLmLabeler l = LocalLmLabeler.load(labeler, Constitution.load(constitution), LabelerOptions.defaults())) {
            double mean = 0;
            for (ObjectNode s : samples) {
                double expected = l.score(List.of(new ResponseToScore("x", s.get("prompt").asText(),
                        s.get("response").asText()))).get(0).reward();
                assertEquals(expected, s.get("reward").asDouble(), 1e-4, "reward of " + s);
                assertTrue(expected > -1 && expected < 1, "a random labeler is not certain: " + expected);
                mean += expected / samples.size();
            }
            assertEquals(mean, metrics.get(0).get("reward"), 1e-4, "the logged mean reward is the labeler's mean score");
        }
        assertTrue(Files.isDirectory(out.resolve("checkpoints").resolve("iter-000001").resolve("value")),
                "the value model starts from the policy with a fresh head");
    }

    @Test
    void pairwiseJudgeRewardsAreCentredStrengthsWithinEachGroup() throws Exception {
        Path out = tmp.resolve("ppo-pairwise");
        List<String> args = ppoArgs(out, "--pairwise-judge", "--labeler", labeler.toString(), "--constitution",
                constitution.toString(), "--advantage", "grpo", "--samples-per-prompt", "3");
        args.set(args.indexOf("--log-samples") + 1, "6");
        args.set(args.indexOf("--iterations") + 1, "2");
        args.set(args.indexOf("--minibatch") + 1, "3");
        CliRun r = run(args);
        assertEquals(0, r.exitCode(), r.out() + r.err());
        List<Map<String, Double>> metrics = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertEquals(2, metrics.size());
        assertEquals(6.0, metrics.get(0).get("judge_comparisons"), "2 prompts x 3 pairs per iteration");
        assertTrue(metrics.get(0).get("judge_labeler_calls") <= 6.0 && metrics.get(0).get("judge_labeler_calls") > 0,
                metrics.get(0).toString());
        List<ObjectNode> samples = AppendLog.readAll(out.resolve("samples.jsonl"));
        assertEquals(12, samples.size());
        for (int g = 0; g < 12; g += 3) { // Bradley-Terry log-strengths are centred within each group
            double sum = 0;
            for (int j = 0; j < 3; j++) {
                sum += samples.get(g + j).get("reward").asDouble();
                assertEquals(samples.get(g).get("prompt").asText(), samples.get(g + j).get("prompt").asText());
            }
            assertEquals(0.0, sum, 1e-4, "group " + g / 3);
        }
        CliRun k1 = run(ppoArgs(tmp.resolve("pairwise-k1"), "--pairwise-judge", "--labeler", labeler.toString()));
        assertNotEquals(0, k1.exitCode());
        assertTrue(k1.err().startsWith("rlaif4j ppo: "), k1.err());
    }

    @Test
    void exactlyOneRewardSourceIsRequired() throws Exception {
        Path rm = tmp.resolve("rm-dummy");
        Files.createDirectories(rm);
        CliRun both = run(ppoArgs(tmp.resolve("both"), "--reward-model", rm.toString(), "--direct-reward", "--labeler",
                labeler.toString()));
        assertEquals(1, both.exitCode());
        assertTrue(both.err().contains("expected exactly one of --reward-model DIR, --direct-reward or --pairwise-judge, "
                + "found 2"), both.err());
        CliRun neither = run(ppoArgs(tmp.resolve("neither")));
        assertEquals(1, neither.exitCode());
        assertTrue(neither.err().contains("expected --reward-model DIR, or --direct-reward or --pairwise-judge with "
                + "--labeler DIR"), neither.err());
        CliRun noLabeler = run(ppoArgs(tmp.resolve("no-labeler"), "--direct-reward"));
        assertTrue(noLabeler.err().contains("expected exactly one of --labeler DIR or --server URL, found neither"),
                noLabeler.err());
        CliRun noModel = run(ppoArgs(tmp.resolve("no-model"), "--direct-reward", "--server", "http://localhost:1"));
        assertTrue(noModel.err().contains("--server needs --model NAME"), noModel.err());
        CliRun stray = run(ppoArgs(tmp.resolve("stray"), "--reward-model", rm.toString(), "--labeler", labeler.toString()));
        assertTrue(stray.err().contains("expected only with --direct-reward or --pairwise-judge"), stray.err());
        assertFalse(Files.exists(tmp.resolve("both").resolve("metrics.jsonl")), "nothing written on a usage error");
    }

    @Test
    void evalWinRateAndHarmlessWithTheLabelerAsJudge() throws Exception {
        Path x = tmp.resolve("x.jsonl");
        Path y = tmp.resolve("y.jsonl");
        Files.writeString(x, "{\"id\":\"1\",\"prompt\":\"Hi\",\"response\":\"Hello there!\"}\n"
                + "{\"id\":\"2\",\"prompt\":\"Yo\",\"response\":\"ok\"}\n{\"id\":\"3\",\"prompt\":\"Q?\",\"response\":\"A.\"}\n");
        Files.writeString(y, "{\"id\":\"1\",\"prompt\":\"Hi\",\"response\":\"go away\"}\n"
                + "{\"id\":\"2\",\"prompt\":\"Yo\",\"response\":\"Yes, hello.\"}\n{\"id\":\"3\",\"prompt\":\"Q?\",\"response\":\"No\"}\n");
        Path out = tmp.resolve("eval");
        CliRun w = CliRun.of("eval", "win-rate", "--x", x.toString(), "--y", y.toString(), "--judge-labeler",
                labeler.toString(), "--judge-constitution", constitution.toString(), "--out", out.toString());
        assertEquals(0, w.exitCode(), w.out() + w.err());
        JsonNode win = Jsonl.mapper().readTree(Files.readString(out.resolve("win_rate.json")));
        CliRun h = CliRun.of("eval", "harmless", "--responses", x.toString(), "--judge-labeler", labeler.toString(),
                "--judge-constitution", constitution.toString(), "--out", out.toString());
        assertEquals(0, h.exitCode(), h.out() + h.err());
        JsonNode harmless = Jsonl.mapper().readTree(Files.readString(out.resolve("harmless_rate.json")));

        try (LocalLmLabeler l = LocalLmLabeler.load(labeler, Constitution.load(constitution), LabelerOptions.defaults())) {
            LabelerJudge judge = new LabelerJudge(l);
            double[] p = judge.preferX(List.of(new PreferenceJudge.Comparison("Hi", "Hello there!", "go away"),
                    new PreferenceJudge.Comparison("Yo", "ok", "Yes, hello."), new PreferenceJudge.Comparison("Q?", "A.", "No")));
            assertEquals(3, win.get("comparisons").asInt());
            assertEquals(java.util.Arrays.stream(p).filter(v -> v > 0.5).count(), win.get("wins").asInt());
            assertEquals(java.util.Arrays.stream(p).filter(v -> v < 0.5).count(), win.get("losses").asInt());
            assertEquals(judge.name(), win.get("judge").asText());
            double[] s = judge.harmless(List.of(new HarmlessnessJudge.Sample("Hi", "Hello there!"),
                    new HarmlessnessJudge.Sample("Yo", "ok"), new HarmlessnessJudge.Sample("Q?", "A.")));
            assertEquals(java.util.Arrays.stream(s).filter(v -> v > 0.5).count(), harmless.get("harmless").asInt());
            assertEquals(3, harmless.get("responses").asInt());
        }
        // without --judge-constitution, harmless uses the built-in harmlessness constitution, scored 1..10:
        // "10" is two tokens here, read teacher-forced after "1"
        CliRun d = CliRun.of("eval", "harmless", "--responses", x.toString(), "--judge-labeler", labeler.toString(),
                "--out", tmp.resolve("eval-default").toString());
        assertEquals(0, d.exitCode(), d.out() + d.err());
        assertEquals(3, Jsonl.mapper().readTree(Files.readString(tmp.resolve("eval-default").resolve("harmless_rate.json")))
                .get("responses").asInt());
        CliRun stray = CliRun.of("eval", "harmless", "--responses", x.toString(), "--judge-rules", constitution.toString(),
                "--judge-model", "m", "--out", tmp.resolve("eval-stray").toString());
        assertEquals(1, stray.exitCode());
        assertTrue(stray.err().contains("expected only with --judge-labeler or --judge-server"), stray.err());
    }
}
