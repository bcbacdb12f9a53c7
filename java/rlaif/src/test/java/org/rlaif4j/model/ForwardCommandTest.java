package org.rlaif4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.cli.Main;
import org.rlaif4j.model.safetensors.SafetensorsReader;
import picocli.CommandLine;

class ForwardCommandTest {
    @TempDir
    Path tmp;

    private int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void writesLogitsThatMatchTheFixtures() {
        for (String f : new String[] {Fixtures.GPT2, Fixtures.LLAMA}) {
            Path out = tmp.resolve(f + ".safetensors");
            StringWriter o = new StringWriter();
            StringWriter e = new StringWriter();
            int code = run(o, e, "forward", "--model", Fixtures.dir(f).toString(), "--input-ids",
                    Fixtures.dir(f).resolve("expected.json").toString(), "--out", out.toString());
            assertEquals(0, code, o + " " + e);
            assertTrue(o.toString().contains("wrote logits"), o.toString());
            try (SafetensorsReader r = SafetensorsReader.open(out)) {
                assertEquals("F32", r.info("logits").dtype().name());
                double d = Fixtures.maxAbsDiff(r.load("logits"), Fixtures.expectedLogits(f));
                assertTrue(d <= 1e-4, f + ": " + d);
            }
        }
    }

    @Test
    void raggedInputIsRejected() throws Exception {
        Path ids = tmp.resolve("ids.json");
        Files.writeString(ids, "{\"input_ids\": [[1, 2, 3], [4, 5]]}");
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = run(o, e, "forward", "--model", Fixtures.dir(Fixtures.GPT2).toString(), "--input-ids", ids.toString(),
                "--out", tmp.resolve("x.safetensors").toString());
        assertNotEquals(0, code);
        assertTrue(e.toString().contains("rows must have equal length"), e.toString());
        assertFalse(Files.exists(tmp.resolve("x.safetensors")));
    }
}
