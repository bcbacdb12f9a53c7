package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.AppendLog;
import org.rlaif4j.feedback.TinyCheckpoints;

class GenerateCommandTest {
    @TempDir
    Path tmp;

    @Test
    void samplesNResponsesPerPromptIntoAllTheirPairsAndResumesToTheSameFile() throws Exception {
        Path policy = TinyCheckpoints.save(tmp.resolve("policy"), 128, 32, 2, 3);
        Path prompts = tmp.resolve("prompts.jsonl");
        Files.writeString(prompts, """
                {"id": "greet", "prompt": "Say hello."}
                {"prompt": "Count to three."}

                {"prompt": "Name a fruit."}
                """);
        Path out = tmp.resolve("pairs.jsonl");
        String[] args = {"generate", "--policy", policy.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "-n", "3", "--max-new-tokens", "12", "--seed", "5", "--quiet"};
        CliRun r = CliRun.of(args);
        assertEquals(0, r.exitCode(), r.err());
        List<ObjectNode> pairs = AppendLog.readAll(out);
        assertEquals(List.of("greet-0-1", "greet-0-2", "greet-1-2", "2-0-1", "2-0-2", "2-1-2", "4-0-1", "4-0-2", "4-1-2"),
                pairs.stream().map(o -> o.get("id").asText()).toList());
        ObjectNode first = pairs.get(0);
        assertEquals("Say hello.", first.get("prompt").asText());
        assertEquals(pairs.get(1).get("response_a"), first.get("response_a"), "pairs share the prompt's responses");
        assertEquals(first.get("response_b"), pairs.get(2).get("response_a"));
        assertNotEquals(first.get("response_a"), first.get("response_b"), "sampled responses differ");
        assertTrue(first.get("response_a").asText().length() <= 12);
        assertTrue(r.out().startsWith("wrote 9 pairs (9 in all for 3 prompts, 3 responses each)"), r.out());

        // cut the file as a kill would (a whole prompt and a half-written line) and resume
        byte[] full = Files.readAllBytes(out);
        List<String> lines = Files.readAllLines(out);
        Files.writeString(out, String.join("\n", lines.subList(0, 4)) + "\n" + lines.get(4).substring(0, 10));
        CliRun resumed = CliRun.of(args);
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().startsWith("wrote 5 pairs"), resumed.out());
        assertArrayEquals(full, Files.readAllBytes(out), "a resumed run redraws the same responses");

        CliRun other = CliRun.of("generate", "--policy", policy.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "-n", "2", "--quiet");
        assertEquals(1, other.exitCode());
        assertTrue(other.err().contains("holds pair 'greet-0-2', which this input and -n 2 would not produce"), other.err());
    }

    @Test
    void promptsTooLongForThePolicyFailWithFileAndLineOrAreCut() throws Exception {
        Path policy = TinyCheckpoints.save(tmp.resolve("policy"), 64, 16, 1, 3);
        Path prompts = tmp.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"short\"}\n{\"prompt\": \"" + "long ".repeat(20) + "\"}\n");
        Path out = tmp.resolve("pairs.jsonl");
        CliRun r = CliRun.of("generate", "--policy", policy.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "--max-new-tokens", "16", "--quiet");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains(prompts + ":2: prompt '2': 101 tokens, but with 16 new tokens at most 48 fit"),
                r.err());
        assertFalse(Files.exists(out), "nothing written when an input does not fit");
        CliRun cut = CliRun.of("generate", "--policy", policy.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "--max-new-tokens", "16", "--too-long", "truncate", "--quiet");
        assertEquals(0, cut.exitCode(), cut.err());
        assertEquals(2, AppendLog.readAll(out).size());
    }
}
