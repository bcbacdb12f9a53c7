package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.model.RealFormat;

/** A conversational record with a missing field: one line naming the file and line; nothing written. */
class ConversationalBadInputTest {
    @TempDir
    Path tmp;

    private static void refused(CliRun r, String cmd, String... parts) {
        assertEquals(1, r.exitCode(), r.out() + r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("rlaif4j " + cmd + ": "), err);
        for (String p : parts) {
            assertTrue(err.contains(p), "'" + p + "' in " + err);
        }
    }

    @Test
    void missingContentRoleOrAssistantTurnIsRefusedBeforeAnythingIsWritten() throws Exception {
        String model = RealFormat.dir("llama32-tiny").toString();
        Path sft = Files.writeString(tmp.resolve("sft.jsonl"), "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, "
                + "{\"role\": \"assistant\", \"content\": \"b\"}]}\n{\"messages\": [{\"role\": \"user\"}, "
                + "{\"role\": \"assistant\", \"content\": \"b\"}]}\n");
        refused(CliRun.of("sft", "--model", model, "--data", sft.toString(), "--out", tmp.resolve("o1").toString(),
                "--quiet"), "sft", sft + ":2", "message 0", "'content'");
        assertFalse(Files.exists(tmp.resolve("o1")));

        Path pairs = Files.writeString(tmp.resolve("pairs.jsonl"), "{\"id\": \"a\", \"prompt\": [{\"content\": \"q\"}], "
                + "\"response_a\": \"x\", \"response_b\": \"y\"}\n");
        Path out = tmp.resolve("prefs.jsonl");
        refused(CliRun.of("label", "--pairs", pairs.toString(), "--out", out.toString(), "--labeler", model, "--quiet"),
                "label", pairs + ":1", "'role'");
        assertFalse(Files.exists(out));

        Path prompts = Files.writeString(tmp.resolve("prompts.jsonl"), "{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"}]}\n"
                + "{\"prompt\": [{\"role\": \"narrator\", \"content\": \"q\"}]}\n");
        Path gen = tmp.resolve("gen.jsonl");
        refused(CliRun.of("generate", "--policy", model, "--prompts", prompts.toString(), "--out", gen.toString(), "--quiet"),
                "generate", prompts + ":2", "unknown role 'narrator'");
        assertFalse(Files.exists(gen));
    }
}
