package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.pipeline.PipelineRunner;
import org.rlaif4j.report.MetricsLog;
import org.rlaif4j.train.CheckpointDirs;

/** {@code pipeline} on the repository's example, reduced: end to end, skip on rerun, resume of a killed stage, config errors. */
class PipelineCommandTest {
    private static final Path EXAMPLE = Path.of("../../examples/pipeline");
    private static final List<String> STAGES = List.of("init", "sft", "critique", "critique-sft", "generate", "label",
            "train-rm", "ppo", "eval");

    @TempDir
    Path tmp;

    /** The example's files in {@code tmp}, its config reduced to a few steps per stage. */
    private Path reducedExample() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLE)) {
            for (Path f : files.toList()) {
                Files.copy(f, tmp.resolve(f.getFileName()));
            }
        }
        ObjectNode cfg = (ObjectNode) Jsonl.mapper().readTree(Files.readString(tmp.resolve("pipeline.json")));
        cfg.put("run_dir", "run");
        ((ObjectNode) cfg.get("sft")).put("epochs", 8).put("save_every", 4); // fewer epochs leave the tiny model answering nothing at all
        ((ObjectNode) cfg.get("critique").get("sft")).put("epochs", 1);
        ((ObjectNode) cfg.get("ppo")).put("iterations", 2).put("save_every", 1).put("max_new_tokens", 8);
        Files.writeString(tmp.resolve("pipeline.json"), cfg.toPrettyString());
        return tmp.resolve("pipeline.json");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static long count(String text, String part) {
        return text.lines().filter(l -> l.contains(part)).count();
    }

    @Test
    void exampleRunsEndToEndARerunSkipsFinishedStagesAndAKilledStageResumes() throws Exception {
        Path config = reducedExample();
        Path run = tmp.resolve("run");
        CliRun first = CliRun.of("pipeline", config.toString(), "--quiet");
        assertEquals(0, first.exitCode(), first.out() + first.err());
        for (String s : STAGES) {
            assertTrue(Files.isRegularFile(run.resolve(s).resolve(PipelineRunner.MARKER)), s + " finished");
        }
        assertTrue(Files.isRegularFile(run.resolve("critique-sft/final/config.json")));
        assertEquals(run.resolve("ppo/checkpoints/iter-000002"), CheckpointDirs.latest(run.resolve("ppo/checkpoints")).orElseThrow());
        JsonNode win = Jsonl.mapper().readTree(Files.readString(run.resolve("eval/win_rate.json")));
        assertTrue(win.get("comparisons").asInt() >= 1, win.toString());
        String report = Files.readString(run.resolve("report.md"));
        assertTrue(report.contains("| win rate over the other"), report);
        assertTrue(report.contains("| harmless rate |"), report);
        assertTrue(report.contains("![ppo/metrics.png](ppo/metrics.png)"), report);
        List<Map<String, Double>> metrics = MetricsLog.read(run.resolve("ppo/metrics.jsonl"));
        assertEquals(2, metrics.size());

        CliRun again = CliRun.of("pipeline", config.toString(), "--quiet");
        assertEquals(0, again.exitCode(), again.out() + again.err());
        assertEquals(STAGES.size(), count(again.out(), "finished earlier, skipped"), again.out());
        assertEquals(0, count(again.out(), ": running in"), again.out());

        // killed during ppo after its first checkpoint: the marker is missing, the second checkpoint was never made
        Files.delete(run.resolve("ppo").resolve(PipelineRunner.MARKER));
        Files.delete(run.resolve("eval").resolve(PipelineRunner.MARKER));
        deleteTree(run.resolve("ppo/checkpoints/iter-000002"));
        Files.writeString(run.resolve("ppo/checkpoints/latest"), "iter-000001");
        CliRun resumed = CliRun.of("pipeline", config.toString(), "--quiet");
        assertEquals(0, resumed.exitCode(), resumed.out() + resumed.err());
        assertEquals(STAGES.size() - 2, count(resumed.out(), "finished earlier, skipped"), resumed.out());
        assertTrue(resumed.out().contains("[8/9] ppo: running"), resumed.out());
        assertTrue(resumed.err().contains("resuming after iteration 1"), resumed.err());
        List<Map<String, Double>> after = MetricsLog.read(run.resolve("ppo/metrics.jsonl"));
        assertEquals(2, after.size(), "the iteration after the checkpoint is logged once");
        for (String key : List.of("reward", "kl", "policy_loss")) {
            assertEquals(metrics.get(1).get(key), after.get(1).get(key), key + " of the redone iteration");
        }

        // killed during sft after a step checkpoint (later stages left as they are): it resumes to the same model
        byte[] sftModel = Files.readAllBytes(run.resolve("sft/final/model.safetensors"));
        Path sftCheckpoints = run.resolve("sft/checkpoints");
        Path newest = CheckpointDirs.latest(sftCheckpoints).orElseThrow();
        deleteTree(newest);
        Path earlier;
        try (Stream<Path> dirs = Files.list(sftCheckpoints)) {
            earlier = dirs.filter(Files::isDirectory).max(java.util.Comparator.naturalOrder()).orElseThrow();
        }
        Files.writeString(sftCheckpoints.resolve(CheckpointDirs.LATEST), earlier.getFileName().toString());
        deleteTree(run.resolve("sft/final"));
        Files.delete(run.resolve("sft").resolve(PipelineRunner.MARKER));
        // a row before the checkpoint, marked: a resumed run keeps it, a run from the start would rewrite the log
        Path sftMetrics = run.resolve("sft/metrics.jsonl");
        List<String> rows = Files.readAllLines(sftMetrics);
        rows.set(0, ((ObjectNode) Jsonl.mapper().readTree(rows.get(0))).put("marker", 7.0).toString());
        Files.write(sftMetrics, rows);
        CliRun sftResumed = CliRun.of("pipeline", config.toString(), "--quiet");
        assertEquals(0, sftResumed.exitCode(), sftResumed.out() + sftResumed.err());
        assertTrue(sftResumed.out().contains("[2/9] sft: running"), sftResumed.out());
        assertEquals(7.0, MetricsLog.read(sftMetrics).get(0).get("marker"), "rows before the checkpoint are kept");
        assertArrayEquals(sftModel, Files.readAllBytes(run.resolve("sft/final/model.safetensors")),
                "the resumed sft stage ends with the same model");

        ObjectNode cfg = (ObjectNode) Jsonl.mapper().readTree(Files.readString(config));
        ((ObjectNode) cfg.get("ppo")).put("lr", 0.01);
        Files.writeString(config, cfg.toPrettyString());
        CliRun changed = CliRun.of("pipeline", config.toString(), "--quiet");
        assertEquals(1, changed.exitCode());
        assertTrue(changed.err().contains("stage ppo: " + run.resolve("ppo") + " finished with other settings"), changed.err());
    }

    @Test
    void everyConfigProblemIsListedAtOnceBeforeAnythingRuns() throws Exception {
        Files.writeString(tmp.resolve("sft.jsonl"), "{\"prompt\":\"a\",\"response\":\"b\"}\n");
        Path config = tmp.resolve("bad.json");
        Files.writeString(config, """
                {"run_dir": "run", "base_model": "no-such-model", "colour": "red",
                 "sft": {"data": "sft.jsonl", "batch_size": "eight", "nope": 1, "out": "x"},
                 "label": {"constitution": "missing.json"},
                 "ppo": {"iterations": 1}}
                """);
        CliRun r = CliRun.of("pipeline", config.toString());
        assertEquals(1, r.exitCode());
        String e = r.err();
        for (String expected : List.of("colour: unknown key", "base_model: missing file", "sft.batch_size: expected an integer, found \"eight\"",
                "sft.nope: unknown key (expected one of", "sft.out: set by the pipeline", "label: expected a generate section",
                "label.constitution: missing file", "ppo.prompts: required, found nothing",
                "ppo: expected a train_rm section for the reward model, or \"direct_reward\": true")) {
            assertTrue(e.contains(expected), "missing '" + expected + "' in:\n" + e);
        }
        assertTrue(e.contains("9 problems"), e);
        assertFalse(Files.exists(tmp.resolve("run")), "nothing ran");
    }

    @Test
    void aRewardModelWithAnotherTokenizerIsRefusedUpFront() throws Exception {
        Path base = org.rlaif4j.feedback.TinyCheckpoints.save(tmp.resolve("base"), 64, 16, 1, 1);
        Path rm = tmp.resolve("rm");
        org.rlaif4j.feedback.TinyCheckpoints.save(rm, 64, 16, 1, 2);
        new org.rlaif4j.model.tokenizer.CharTokenizer("abc").save(rm);
        Files.writeString(tmp.resolve("d.jsonl"), "{\"prompt\":\"a\",\"response\":\"b\"}\n");
        Path config = tmp.resolve("tok.json");
        Files.writeString(config, """
                {"run_dir": "run", "base_model": "base", "sft": {"data": "d.jsonl"},
                 "generate": {"prompts": "d.jsonl"}, "label": {"labeler": "@policy"},
                 "train_rm": {"model": "rm"}, "ppo": {"prompts": "d.jsonl"}}
                """);
        CliRun r = CliRun.of("pipeline", config.toString(), "--dry-run");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("1 problem:"), r.err());
        assertTrue(r.err().contains("train_rm.model: expected the policy's tokenizer"), r.err());
    }

    @Test
    void directRewardPipelineSkipsTheRewardModel() throws Exception {
        reducedExample();
        Path config = tmp.resolve("direct.json");
        Files.writeString(config, """
                {"run_dir": "direct-run", "seed": 2, "init": {"config": "tiny-model.json"},
                 "sft": {"data": "sft.jsonl", "epochs": 1, "batch_size": 8, "lr": 0.003, "max_length": 128},
                 "ppo": {"prompts": "prompts.jsonl", "direct_reward": true, "labeler": "@base",
                         "constitution": "constitution.json", "iterations": 1, "batch_prompts": 4, "max_new_tokens": 8,
                         "minibatch": 4, "epochs": 1}}
                """);
        CliRun dry = CliRun.of("pipeline", config.toString(), "--dry-run");
        assertEquals(0, dry.exitCode(), dry.out() + dry.err());
        assertTrue(dry.out().contains("config OK: 3 stages"), dry.out());
        CliRun r = CliRun.of("pipeline", config.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        double reward = MetricsLog.read(tmp.resolve("direct-run/ppo/metrics.jsonl")).get(0).get("reward");
        assertTrue(reward > -1 && reward < 1, "a scaled labeler score: " + reward);
        assertFalse(Files.exists(tmp.resolve("direct-run/train-rm")));
    }
}
