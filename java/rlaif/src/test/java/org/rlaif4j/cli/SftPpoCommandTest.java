package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.model.tokenizer.CharTokenizer;
import org.rlaif4j.report.MetricsLog;
import org.rlaif4j.train.CheckpointDirs;

/** {@code sft} then {@code ppo} from the command line on tiny checkpoints, including stop and resume. */
class SftPpoCommandTest {
    @TempDir
    static Path tmp;
    private static Path base;
    private static Path rewardModel;
    private static Path sftData;
    private static Path prompts;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @BeforeAll
    static void checkpoints() throws Exception {
        ModelConfig cfg = ModelConfig.fromJson((ObjectNode) new ObjectMapper().readTree("{\"model_type\":\"llama\","
                + "\"vocab_size\":12,\"hidden_size\":32,\"num_hidden_layers\":1,\"num_attention_heads\":4,"
                + "\"num_key_value_heads\":2,\"intermediate_size\":64,\"max_position_embeddings\":32,"
                + "\"tie_word_embeddings\":false,\"bos_token_id\":1,\"eos_token_id\":2,\"pad_token_id\":0}"));
        CharTokenizer tok = new CharTokenizer("abcdefgh");
        base = tmp.resolve("base");
        CausalLm.random(cfg, 1).save(base);
        tok.save(base);
        rewardModel = tmp.resolve("rm");
        ScalarHeadModel.withFreshHead(CausalLm.random(cfg, 2).backbone(), 3).save(rewardModel);
        tok.save(rewardModel);
        sftData = tmp.resolve("sft.jsonl");
        Files.writeString(sftData, String.join("\n", "{\"prompt\":\"ab\",\"response\":\"bae\"}",
                "{\"prompt\":\"cd\",\"response\":\"dce\"}", "{\"prompt\":\"ef\",\"response\":\"fee\"}",
                "{\"prompt\":\"gh\",\"response\":\"hge\"}", "{\"prompt\":\"ha\",\"response\":\"ahe\"}") + "\n");
        prompts = tmp.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"prompt\":\"ab\"}\n{\"prompt\":\"cd\"}\n{\"prompt\":\"ef\"}\n{\"prompt\":\"gh\"}\n");
    }

    private static String[] ppoArgs(Path policy, Path out, int iterations, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of("ppo", "--policy", policy.toString(), "--reward-model",
                rewardModel.toString(), "--prompts", prompts.toString(), "--out", out.toString(), "--iterations",
                Integer.toString(iterations), "--save-every", "1", "--batch-prompts", "4", "--max-new-tokens", "6",
                "--minibatch", "4", "--grad-accum", "2", "--lr", "1e-3", "--target-kl", "1", "--kl-horizon", "50",
                "--seed", "3", "--quiet"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    @Test
    void sftResumeContinuesFromTheLatestCheckpointAndRefusesOtherwise() throws Exception {
        Path out = tmp.resolve("sft-resume");
        List<String> args = List.of("sft", "--model", base.toString(), "--data", sftData.toString(), "--eval-fraction",
                "0.2", "--out", out.toString(), "--epochs", "2", "--batch-size", "2", "--lr", "1e-2", "--warmup", "1",
                "--save-every", "1", "--quiet");
        CliRun first = run(args.toArray(new String[0]));
        assertEquals(0, first.exitCode(), first.out() + first.err());
        assertEquals(out.resolve("checkpoints").resolve("step-000003"), CheckpointDirs.latest(out.resolve("checkpoints")).orElseThrow());
        java.util.Map<String, float[]> finished = new java.util.TreeMap<>();
        CausalLm.load(out.resolve("final")).namedParameters().forEach((n, t) -> finished.put(n, org.rlaif4j.model.Ops.toFloats(t)));

        CliRun refused = run(args.toArray(new String[0]));
        assertNotEquals(0, refused.exitCode());
        assertTrue(refused.err().contains("pass --resume"), refused.err());
        List<String> otherLr = new java.util.ArrayList<>(args);
        otherLr.set(otherLr.indexOf("1e-2"), "2e-2");
        otherLr.add("--resume");
        CliRun different = run(otherLr.toArray(new String[0]));
        assertNotEquals(0, different.exitCode());
        assertTrue(different.err().contains("lr: checkpoint has 0.01, this run has 0.02"), different.err());

        List<String> again = new java.util.ArrayList<>(args);
        again.add("--resume");
        CliRun resumed = run(again.toArray(new String[0]));
        assertEquals(0, resumed.exitCode(), resumed.out() + resumed.err());
        // (the trainer's "resuming after step 3 of 4" note goes to the process's stderr, beside the progress bar)
        assertTrue(resumed.out().contains("4 steps"), resumed.out());
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0),
                MetricsLog.read(out.resolve("metrics.jsonl")).stream().map(r -> r.get("step")).toList());
        CausalLm.load(out.resolve("final")).namedParameters().forEach((n, t) ->
                assertArrayEquals(finished.get(n), org.rlaif4j.model.Ops.toFloats(t), n + ": step 4 redone identically"));
    }

    @Test
    void sftThenPpoStopAndResumeMatchesAnUninterruptedRun() throws Exception {
        Path sftOut = tmp.resolve("sft-out");
        CliRun sft = run("sft", "--model", base.toString(), "--data", sftData.toString(), "--eval-fraction", "0.2",
                "--out", sftOut.toString(), "--epochs", "3", "--batch-size", "2", "--lr", "1e-2", "--warmup", "1", "--quiet");
        assertEquals(0, sft.exitCode(), sft.out() + sft.err());
        assertTrue(sft.out().contains("4 train / 1 eval examples"), sft.out());
        Path policy = sftOut.resolve("final");
        assertTrue(Files.isRegularFile(policy.resolve("tokenizer.json")), "tokenizer copied along");
        assertEquals(6, MetricsLog.read(sftOut.resolve("metrics.jsonl")).size(), "2 steps x 3 epochs");

        Path straight = tmp.resolve("ppo-straight");
        CliRun s = run(ppoArgs(policy, straight, 3));
        assertEquals(0, s.exitCode(), s.out() + s.err());

        Path resumed = tmp.resolve("ppo-resumed");
        CliRun first = run(ppoArgs(policy, resumed, 2));
        assertEquals(0, first.exitCode(), first.out() + first.err());
        CliRun refused = run(ppoArgs(policy, resumed, 3));
        assertNotEquals(0, refused.exitCode());
        assertTrue(refused.err().contains("--resume"), refused.err());
        CliRun second = run(ppoArgs(policy, resumed, 3, "--resume"));
        assertEquals(0, second.exitCode(), second.out() + second.err());
        assertTrue(second.err().contains("resuming after iteration 2"), second.err());

        List<Map<String, Double>> a = MetricsLog.read(straight.resolve("metrics.jsonl"));
        List<Map<String, Double>> b = MetricsLog.read(resumed.resolve("metrics.jsonl"));
        assertEquals(3, a.size());
        assertEquals(3, b.size());
        for (int i = 0; i < 3; i++) {
            for (String key : List.of("iteration", "reward", "kl", "kl_coef", "entropy", "policy_loss", "value_loss",
                    "approx_kl", "clipfrac", "explained_variance")) {
                assertEquals(a.get(i).get(key), b.get(i).get(key), "row " + i + " " + key);
            }
        }
        assertEquals(resumed.resolve("checkpoints").resolve("iter-000003"),
                CheckpointDirs.latest(resumed.resolve("checkpoints")).orElseThrow());
        assertTrue(Files.size(resumed.resolve("metrics.png")) > 0);
        assertEquals(4, Files.readString(resumed.resolve("metrics.csv")).lines().count(), "header + 3 rows");
        assertEquals(3 * 4, Files.readString(resumed.resolve("samples.jsonl")).lines().count(), "4 samples per iteration");
    }

    @Test
    void badOptionsFailWithTheOptionNamed() {
        CliRun r = run(ppoArgs(base, tmp.resolve("bad"), 1, "--advantage", "a2c"));
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("--advantage: expected one of gae, rloo, grpo, dr_grpo, reinforce++, reinforce++-baseline, "
                + "found 'a2c'"), r.err());
        CliRun e = run(ppoArgs(base, tmp.resolve("eager"), 1, "--eager", "--value-model", base.toString()));
        assertEquals(0, e.exitCode(), "a causal LM as value model gets a fresh head: " + e.out() + e.err());
        assertTrue(e.out().contains("ppo: iteration 1"), e.out());
        CliRun g = run(ppoArgs(base, tmp.resolve("grpo"), 1, "--advantage", "grpo", "--samples-per-prompt", "2",
                "--loss-path", "split"));
        assertEquals(0, g.exitCode(), g.out() + g.err());
        Path otherTok = tmp.resolve("rm-other-tokenizer");
        try {
            java.nio.file.Files.createDirectories(otherTok);
            for (String f : List.of("config.json", "model.safetensors")) {
                Files.copy(rewardModel.resolve(f), otherTok.resolve(f));
            }
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        new CharTokenizer("hgfedcba").save(otherTok);
        List<String> args = new java.util.ArrayList<>(List.of(ppoArgs(base, tmp.resolve("mismatch"), 1)));
        args.set(args.indexOf(rewardModel.toString()), otherTok.toString());
        CliRun m = run(args.toArray(new String[0]));
        assertNotEquals(0, m.exitCode());
        assertTrue(m.err().contains("--reward-model: expected the policy's tokenizer"), m.err());
    }

    @Test
    void theObjectivesAreReachableFromTheCommandLine() throws Exception {
        Path out = tmp.resolve("dapo");
        CliRun d = run(ppoArgs(base, out, 2, "--advantage", "dr-grpo", "--samples-per-prompt", "2", "--clip-high", "0.28",
                "--dual-clip", "3", "--dynamic-sampling", "--max-sampling-rounds", "3", "--overlong-buffer", "2",
                "--loss-aggregation", "seq-mean-token-sum", "--whiten-advantages", "sequence", "--loss-kl-estimator", "k2"));
        assertEquals(0, d.exitCode(), d.out() + d.err());
        List<Map<String, Double>> rows = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertEquals(2, rows.size());
        assertTrue(rows.get(0).get("sampling_rounds") >= 1 && rows.get(0).containsKey("uniform_groups"), rows.get(0).toString());
        CliRun g = run(ppoArgs(base, tmp.resolve("gspo"), 1, "--advantage", "grpo", "--samples-per-prompt", "2",
                "--policy-loss", "gspo", "--clip", "3e-4", "--clip-high", "4e-4", "--tis-cap", "2",
                "--loss-aggregation", "seq-mean-token-mean"));
        assertEquals(0, g.exitCode(), g.out() + g.err());
        assertTrue(MetricsLog.read(tmp.resolve("gspo").resolve("metrics.jsonl")).get(0).containsKey("tis_weight_mean"));
        CliRun c = run(ppoArgs(base, tmp.resolve("cispo"), 1, "--policy-loss", "cispo", "--dual-clip", "3"));
        assertNotEquals(0, c.exitCode());
        assertTrue(c.err().contains("dualClip: expected 0 with policyLoss CISPO"), c.err());
        CliRun r = run(ppoArgs(base, tmp.resolve("rpp"), 1, "--advantage", "reinforce++", "--top-k", "4"));
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("warning: top-k 4 / top-p 1.0 truncate the sampling distribution"), r.err());
        Path strictOut = tmp.resolve("strict");
        CliRun s = run(ppoArgs(base, strictOut, 1, "--top-p", "0.9", "--strict"));
        assertNotEquals(0, s.exitCode());
        assertEquals(1, s.err().strip().lines().count(), "one line: " + s.err());
        assertTrue(s.err().startsWith("rlaif4j ppo: --top-k/--top-p (--strict): "), s.err());
        assertFalse(Files.exists(strictOut.resolve("metrics.jsonl")), "refused before writing anything");
        CliRun a = run(ppoArgs(base, tmp.resolve("agg"), 1, "--loss-aggregation", "seq-sum"));
        assertNotEquals(0, a.exitCode());
        assertTrue(a.err().contains("--loss-aggregation: expected one of token-mean, seq-mean-token-mean, seq-mean-token-sum, "
                + "token-sum-norm, found 'seq-sum'"), a.err());
        CliRun w = run(ppoArgs(base, tmp.resolve("w"), 1, "--no-whiten-advantages", "--whiten-advantages", "token"));
        assertNotEquals(0, w.exitCode());
        assertTrue(w.err().contains("--no-whiten-advantages: expected alone"), w.err());
    }
}
