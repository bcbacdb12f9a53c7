package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.AppendLog;
import org.rlaif4j.feedback.TinyCheckpoints;

/** {@code critique} on a tiny random checkpoint: output structure, determinism by seed, resume after a kill. */
class CritiqueCommandTest {
    @TempDir
    static Path tmp;
    private static Path model;
    private static Path prompts;
    private static Path constitution;

    @BeforeAll
    static void setUp() throws Exception {
        model = TinyCheckpoints.save(tmp.resolve("model"), 256, 32, 1, 4);
        prompts = tmp.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"id\":\"a\",\"prompt\":\"Hi?\"}\n{\"id\":\"b\",\"prompt\":\"Why?\"}\n"
                + "{\"id\":\"c\",\"prompt\":\"How?\"}\n");
        constitution = tmp.resolve("c.json");
        Files.writeString(constitution, """
                {"preamble": "p", "principles": [{"name": "kind", "text": "Be kind."}, {"name": "true", "text": "Be true."}],
                 "critique_request": "Flaws ({principle})?", "revision_request": "Fix ({principle})."}
                """);
    }

    private static CliRun critique(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("critique", "--model", model.toString(), "--prompts", prompts.toString(),
                "--out", out.toString(), "--constitution", constitution.toString(), "--rounds", "2",
                "--max-new-tokens", "12", "--critique-max-tokens", "8", "--quiet"));
        a.addAll(List.of(extra));
        if (!a.contains("--seed")) {
            a.addAll(List.of("--seed", "3"));
        }
        return CliRun.of(a.toArray(new String[0]));
    }

    private static Path chainOf(Path out) {
        return out.resolveSibling(out.getFileName().toString().replace(".jsonl", ".chain.jsonl"));
    }

    @Test
    void writesAnSftDatasetAndTheChainDeterministicallyAndResumesExactlyOnce() throws Exception {
        Path first = tmp.resolve("one/sft.jsonl");
        CliRun r = critique(first);
        assertEquals(0, r.exitCode(), r.out() + r.err());
        List<ObjectNode> sft = AppendLog.readAll(first);
        List<ObjectNode> chain = AppendLog.readAll(chainOf(first));
        assertEquals(List.of("a", "b", "c"), sft.stream().map(o -> o.get("id").asText()).toList());
        assertEquals(List.of("a", "b", "c"), chain.stream().map(o -> o.get("id").asText()).toList());
        for (int i = 0; i < 3; i++) {
            ObjectNode s = sft.get(i);
            ObjectNode c = chain.get(i);
            assertEquals(List.of("id", "prompt", "response"), iterate(s.fieldNames()), "what sft reads");
            assertEquals(c.get("prompt").asText(), s.get("prompt").asText());
            assertEquals(c.get("final_response").asText(), s.get("response").asText());
            assertEquals(2, c.get("rounds").size());
            assertEquals(c.get("initial_response").asText(), c.get("rounds").get(0).get("response").asText());
            for (var round : c.get("rounds")) {
                String p = round.get("principle").asText();
                assertTrue(p.equals("kind") || p.equals("true"), p);
                assertEquals("Flaws (" + (p.equals("kind") ? "Be kind." : "Be true.") + ")?",
                        round.get("critique_request").asText());
            }
            assertEquals("local:" + model, c.get("model").asText());
        }

        Path second = tmp.resolve("two/sft.jsonl");
        assertEquals(0, critique(second).exitCode());
        assertEquals(Files.readString(first), Files.readString(second), "same seed, same dataset");
        assertEquals(Files.readString(chainOf(first)), Files.readString(chainOf(second)));
        Path otherSeed = tmp.resolve("three/sft.jsonl");
        assertEquals(0, critique(otherSeed, "--seed", "4").exitCode());
        assertNotEquals(Files.readString(chainOf(first)), Files.readString(chainOf(otherSeed)));

        // killed after prompt b's chain was written, while its SFT record was half written
        Path resumed = tmp.resolve("resumed/sft.jsonl");
        Files.createDirectories(resumed.getParent());
        List<String> sftLines = Files.readAllLines(first);
        List<String> chainLines = Files.readAllLines(chainOf(first));
        Files.writeString(resumed, sftLines.get(0) + "\n" + sftLines.get(1).substring(0, 10), StandardCharsets.UTF_8);
        Files.writeString(chainOf(resumed), chainLines.get(0) + "\n" + chainLines.get(1) + "\n"
                + chainLines.get(2).substring(0, 25), StandardCharsets.UTF_8);
        CliRun again = critique(resumed);
        assertEquals(0, again.exitCode(), again.out() + again.err());
        assertTrue(again.out().startsWith("wrote 2 revised responses (3 prompts in all, 2 rounds each)"), again.out());
        assertEquals(Files.readString(first), Files.readString(resumed), "every prompt exactly once, as uninterrupted");
        assertEquals(Files.readString(chainOf(first)), Files.readString(chainOf(resumed)));

        CliRun mixed = critique(resumed, "--seed", "9");
        assertEquals(1, mixed.exitCode());
        assertTrue(mixed.err().contains("resuming would mix them"), mixed.err());
    }

    @Test
    void badInputStopsBeforeAnythingIsWrittenOrIsSkipped() throws Exception {
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"prompt\":\"Hi?\"}\n{\"prompt\": 3}\n");
        Path out = tmp.resolve("bad/sft.jsonl");
        CliRun r = CliRun.of("critique", "--model", model.toString(), "--prompts", bad.toString(), "--out", out.toString(),
                "--max-new-tokens", "4", "--critique-max-tokens", "4", "--quiet", "--too-long", "truncate");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains(bad + ":2:"), r.err());
        assertFalse(Files.exists(out));
        CliRun skip = CliRun.of("critique", "--model", model.toString(), "--prompts", bad.toString(), "--out",
                out.toString(), "--max-new-tokens", "4", "--critique-max-tokens", "4", "--quiet", "--bad-lines", "skip",
                "--too-long", "truncate", "--rounds", "1");
        assertEquals(0, skip.exitCode(), skip.out() + skip.err());
        assertEquals(1, AppendLog.readAll(out).size());
        CliRun rounds = CliRun.of("critique", "--model", model.toString(), "--prompts", bad.toString(), "--out",
                tmp.resolve("r.jsonl").toString(), "--rounds", "5");
        assertEquals(1, rounds.exitCode());
        assertTrue(rounds.err().contains("rounds: expected 1..4, found 5"), rounds.err());
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
