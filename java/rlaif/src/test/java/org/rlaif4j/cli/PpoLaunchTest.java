package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.model.tokenizer.CharTokenizer;
import org.rlaif4j.report.MetricsLog;
import org.rlaif4j.train.CheckpointDirs;

/** {@code launch -n 2 ppo}: two worker JVMs train in sync, only rank 0 writes, and the run resumes. */
class PpoLaunchTest {
    @TempDir
    Path tmp;

    private Process launch(Path policy, Path rm, Path prompts, Path out, int iterations, Path log, String... extra)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "launch", "-n", "2",
                "--jvm-arg=-Xmx512m", "ppo", "--policy", policy.toString(), "--reward-model", rm.toString(), "--prompts",
                prompts.toString(), "--out", out.toString(), "--iterations", Integer.toString(iterations), "--save-every", "1",
                "--batch-prompts", "2", "--max-new-tokens", "6", "--minibatch", "2", "--epochs", "2", "--lr", "1e-3",
                "--target-kl", "1", "--kl-horizon", "50", "--normalize-rewards", "--seed", "3", "--quiet",
                "--dist-timeout-s", "60"));
        cmd.addAll(List.of(extra));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void twoWorkersTrainInSyncOnlyRankZeroWritesAndTheRunResumes() throws Exception {
        ModelConfig cfg = ModelConfig.fromJson((ObjectNode) new ObjectMapper().readTree("{\"model_type\":\"llama\","
                + "\"vocab_size\":12,\"hidden_size\":32,\"num_hidden_layers\":1,\"num_attention_heads\":4,"
                + "\"num_key_value_heads\":2,\"intermediate_size\":64,\"max_position_embeddings\":32,"
                + "\"tie_word_embeddings\":false,\"bos_token_id\":1,\"eos_token_id\":2,\"pad_token_id\":0}"));
        CharTokenizer tok = new CharTokenizer("abcdefgh");
        Path policy = tmp.resolve("policy");
        CausalLm.random(cfg, 1).save(policy);
        tok.save(policy);
        Path rm = tmp.resolve("rm");
        ScalarHeadModel.withFreshHead(CausalLm.random(cfg, 2).backbone(), 3).save(rm);
        tok.save(rm);
        Path prompts = tmp.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"prompt\":\"ab\"}\n{\"prompt\":\"cd\"}\n{\"prompt\":\"ef\"}\n{\"prompt\":\"gh\"}\n");
        Path out = tmp.resolve("out");

        Path log1 = tmp.resolve("first.log");
        Process first = launch(policy, rm, prompts, out, 2, log1);
        assertTrue(first.waitFor(150, TimeUnit.SECONDS), "first launch finished in time");
        String o1 = Files.readString(log1);
        assertEquals(0, first.exitValue(), o1);
        assertTrue(o1.contains("[rank 0] ppo: iteration 2"), o1);
        assertTrue(o1.contains("[rank 1] rank 1 of 2: done; max |parameter - rank 0's| = 0"), "ranks in sync: " + o1);
        assertFalse(o1.contains("[rank 1] ppo:"), "only rank 0 reports");
        assertEquals(2, MetricsLog.read(out.resolve("metrics.jsonl")).size(), "one row per iteration, from rank 0 only");
        assertEquals(2 * 2, Files.readString(out.resolve("samples.jsonl")).lines().count(),
                "rank 0 logs its own 2 rows of each iteration");

        Path log2 = tmp.resolve("second.log");
        Process second = launch(policy, rm, prompts, out, 3, log2, "--resume");
        assertTrue(second.waitFor(150, TimeUnit.SECONDS), "resumed launch finished in time");
        String o2 = Files.readString(log2);
        assertEquals(0, second.exitValue(), o2);
        assertTrue(o2.contains("resuming after iteration 2"), o2);
        assertTrue(o2.contains("[rank 1] rank 1 of 2: done; max |parameter - rank 0's| = 0"), "ranks in sync: " + o2);
        assertEquals(3, MetricsLog.read(out.resolve("metrics.jsonl")).size());
        assertEquals(out.resolve("checkpoints").resolve("iter-000003"),
                CheckpointDirs.latest(out.resolve("checkpoints")).orElseThrow());
    }
}
