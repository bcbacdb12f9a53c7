package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.model.RealFormat;

/** {@code template}: the reference renders from the command line, and its one-line errors. */
class TemplateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void printsTheReferenceRenderAndItsIds() throws Exception {
        for (String[] c : new String[][] {{"qwen3.json", "qwen3-tiny"}, {"llama3_1.json", "llama32-tiny"}}) {
            for (JsonNode e : JSON.readTree(RealFormat.dir("chat").resolve(c[0]).toFile())) {
                Path msgs = tmp.resolve(e.get("id").asText() + ".json");
                Files.writeString(msgs, JSON.writeValueAsString(JSON.createObjectNode().set("messages", e.get("messages"))));
                String gen = e.get("add_generation_prompt").asBoolean() ? "--add-generation-prompt" : "--kwargs={}";
                CliRun text = CliRun.of("template", RealFormat.dir(c[1]).toString(), "--messages", msgs.toString(), gen);
                assertEquals(0, text.exitCode(), text.err());
                assertEquals(e.get("text").asText(), text.out(), c[0] + " " + e.get("id"));
                CliRun ids = CliRun.of("template", RealFormat.dir(c[1]).toString(), "--messages", msgs.toString(), gen, "--ids");
                assertEquals(e.get("input_ids"), JSON.readTree(ids.out()), c[0] + " " + e.get("id") + " ids");
            }
        }
        Path one = tmp.resolve("one.json");
        Files.writeString(one, "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        CliRun noThink = CliRun.of("template", RealFormat.dir("qwen3-tiny").toString(), "--messages", one.toString(),
                "--add-generation-prompt", "--kwargs", "{\"enable_thinking\": false}");
        assertTrue(noThink.out().endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), noThink.out());
    }

    @Test
    void badMessagesAndTemplatesEndInOneLine() throws Exception {
        String qwen = RealFormat.dir("qwen3-tiny").toString();
        Path robot = tmp.resolve("robot.json");
        Files.writeString(robot, "[{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"robot\", \"content\": \"x\"}]");
        assertOneLine(CliRun.of("template", qwen, "--messages", robot.toString()), "message 1", "unknown role 'robot'");

        Path twoUsers = tmp.resolve("two.json");
        Files.writeString(twoUsers, "[{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]");
        Path gemma = tmp.resolve("gemma3.jinja");
        Files.write(gemma, getClass().getResourceAsStream("/chat/gemma3.jinja").readAllBytes());
        assertOneLine(CliRun.of("template", qwen, "--messages", twoUsers.toString(), "--chat-template-file", gemma.toString()),
                gemma + ", line 15: ", "roles must alternate");

        Path broken = tmp.resolve("broken.jinja");
        Files.writeString(broken, "{% for m in messages %}\n{{ m.content }\n");
        assertOneLine(CliRun.of("template", qwen, "--messages", twoUsers.toString(), "--chat-template-file", broken.toString()),
                broken + ", line ");

        Path notJson = tmp.resolve("nj.json");
        Files.writeString(notJson, "[{\"role\": ");
        assertOneLine(CliRun.of("template", qwen, "--messages", notJson.toString()), "not valid JSON");
        assertOneLine(CliRun.of("template", qwen, "--messages", twoUsers.toString(), "--kwargs", "[1]"),
                "--kwargs", "expected a JSON object");
    }

    private static void assertOneLine(CliRun r, String... parts) {
        assertEquals(1, r.exitCode(), r.out() + r.err());
        String err = r.err().strip();
        assertTrue(err.startsWith("rlaif4j template: "), err);
        assertEquals(1, err.lines().count(), err);
        for (String p : parts) {
            assertTrue(err.contains(p), "'" + p + "' in " + err);
        }
    }
}
