package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void versionPrintsTheBuildVersion() {
        Run r = run("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().startsWith("rlaif4j 0."), r.out());
        assertFalse(r.out().contains("${"), "version resource must be filtered: " + r.out());
    }

    @Test
    void kernelsSelfCheckPassesAndReportsEachKernel() {
        Run r = run("kernels", "--seed", "7");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*gae\\s+64x512 .*PASS.*"), r.out());
        assertTrue(r.out().matches("(?s).*whiten\\s+64x512 .*PASS.*"), r.out());
        assertTrue(r.out().contains("all kernels agree with their references"), r.out());
    }

    @Test
    void unknownCommandFailsWithUsage() {
        Run r = run("no-such-command");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Unmatched argument"), r.err());
    }
}
