package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.AppendLog;
import org.rlaif4j.model.RealFormat;

/**
 * The RLAIF stages from the command line on the real-format Qwen3 and Llama 3.2 checkpoints with
 * TRL conversational data: sft on {@code messages} → generate → label (the same tiny model as a local
 * labeler, through its chat template) → train-rm → ppo → eval, each to the end, conversational form
 * kept in every file written.
 */
class RealModelStagesTest {
    @TempDir
    Path tmp;

    private static void ok(CliRun r) {
        assertEquals(0, r.exitCode(), r.out() + r.err());
    }

    /** Conversational SFT data and prompts for the questions {@code qs}; returns {sft, prompts}. */
    private Path[] data(String[] qs) throws Exception {
        StringBuilder sft = new StringBuilder();
        StringBuilder prompts = new StringBuilder();
        for (String q : qs) {
            sft.append("{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"")
                    .append(q).append("\"}, {\"role\": \"assistant\", \"content\": \"Sure.\"}]}\n");
            prompts.append("{\"prompt\": [{\"role\": \"user\", \"content\": \"").append(q).append("\"}]}\n");
        }
        return new Path[] {Files.writeString(tmp.resolve("sft.jsonl"), sft), Files.writeString(tmp.resolve("prompts.jsonl"), prompts)};
    }

    @org.junit.jupiter.api.Test
    void thePipelineCommandRunsEveryStageOnLlama32WithConversationalData() throws Exception {
        Path[] d = data(new String[] {"Name a prime.", "What is 2+2?", "Say hi.", "Name a colour."});
        String cfg = "{\"run_dir\": \"run\", \"seed\": 1, \"base_model\": \"" + RealFormat.dir("llama32-tiny") + "\",\n"
                + " \"sft\": {\"data\": \"sft.jsonl\", \"epochs\": 1, \"batch_size\": 2, \"eval_fraction\": 0.0},\n"
                + " \"generate\": {\"prompts\": \"prompts.jsonl\", \"responses\": 2, \"max_new_tokens\": 6},\n"
                + " \"label\": {\"labeler\": \"@policy\"},\n"
                + " \"train_rm\": {\"epochs\": 1, \"micro_batch\": 2, \"eval_fraction\": 0.0, \"eval_every\": 0, \"save_every\": 0},\n"
                + " \"ppo\": {\"prompts\": \"prompts.jsonl\", \"iterations\": 1, \"batch_prompts\": 2, \"max_new_tokens\": 6, \"minibatch\": 2},\n"
                + " \"eval\": {\"prompts\": \"prompts.jsonl\", \"max_new_tokens\": 6, \"win_rate\": {\"judge_labeler\": \"@policy\"}}}";
        Path config = Files.writeString(tmp.resolve("pipeline.json"), cfg);
        CliRun r = CliRun.of("pipeline", config.toString());
        ok(r);
        assertTrue(Files.isRegularFile(tmp.resolve("run/eval/win_rate.json")), r.out());
        List<ObjectNode> answers = AppendLog.readAll(tmp.resolve("run/eval/rlaif.jsonl"));
        assertTrue(!answers.isEmpty() && answers.get(0).get("prompt").isArray() && answers.get(0).get("response").isArray(),
                answers.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void conversationalDataThroughEveryStage(String model) throws Exception {
        Path base = RealFormat.dir(model);
        String[] qs = {"Name a prime.", "What is 2+2?", "Say hi.", "Name a colour."};
        Path[] d = data(qs);
        Path sftData = d[0];
        Path promptFile = d[1];

        ok(CliRun.of("sft", "--model", base.toString(), "--data", sftData.toString(), "--eval-fraction", "0",
                "--out", tmp.resolve("sft").toString(), "--epochs", "1", "--batch-size", "2", "--quiet"));
        Path policy = tmp.resolve("sft/final");
        assertTrue(Files.readString(policy.resolve("tokenizer_config.json")).contains("chat_template"),
                "the chat template travels with the fine-tuned checkpoint");

        // Constitutional AI's supervised stage: each step one user turn of the template
        Path revised = tmp.resolve("revised.jsonl");
        ok(CliRun.of("critique", "--model", policy.toString(), "--prompts", promptFile.toString(), "--out", revised.toString(),
                "--max-new-tokens", "4", "--critique-max-tokens", "4", "--chat-template", "--quiet"));
        List<ObjectNode> rs = AppendLog.readAll(revised);
        assertEquals(qs.length, rs.size());
        assertTrue(rs.get(0).get("prompt").isArray() && rs.get(0).get("response").isArray(), rs.get(0).toString());

        Path pairs = tmp.resolve("pairs.jsonl");
        ok(CliRun.of("generate", "--policy", policy.toString(), "--prompts", promptFile.toString(), "--out",
                pairs.toString(), "--max-new-tokens", "6", "--quiet"));
        List<ObjectNode> ps = AppendLog.readAll(pairs);
        assertEquals(qs.length, ps.size());
        assertTrue(ps.get(0).get("prompt").isArray() && ps.get(0).get("response_a").isArray(), ps.get(0).toString());

        Path prefs = tmp.resolve("prefs.jsonl");
        ok(CliRun.of("label", "--pairs", pairs.toString(), "--out", prefs.toString(), "--labeler", policy.toString(), "--quiet"));
        List<ObjectNode> ls = AppendLog.readAll(prefs);
        assertEquals(qs.length, ls.size());
        for (ObjectNode l : ls) {
            double p = l.get("p_a").asDouble();
            assertTrue(p > 0 && p < 1, l.toString());
            assertTrue(l.get("chosen").isArray() && l.get("prompt").isArray(), l.toString());
        }

        ok(CliRun.of("train-rm", "--model", policy.toString(), "--data", prefs.toString(), "--out",
                tmp.resolve("rm").toString(), "--eval-fraction", "0", "--micro-batch", "2", "--quiet"));
        Path rm = tmp.resolve("rm/model");

        CliRun ppo = CliRun.of("ppo", "--policy", policy.toString(), "--reward-model", rm.toString(), "--prompts",
                promptFile.toString(), "--out", tmp.resolve("ppo").toString(), "--iterations", "2", "--batch-prompts", "2",
                "--samples-per-prompt", "2", "--max-new-tokens", "6", "--minibatch", "2", "--quiet");
        ok(ppo);
        assertTrue(ppo.out().contains("iteration 2"), ppo.out());
        assertTrue(Files.isDirectory(tmp.resolve("ppo/checkpoints/iter-000002/policy")));

        CliRun eval = CliRun.of("eval", "win-rate", "--pairs", pairs.toString(), "--judge-rm", rm.toString(), "--out",
                tmp.resolve("eval").toString());
        ok(eval);
        assertTrue(Files.isRegularFile(tmp.resolve("eval/win_rate.json")));
    }
}
