package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class MainTest {
    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void versionPrintsTheBuildVersion() {
        CliRun r = run("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().startsWith("rlaif4j 0."), r.out());
        assertFalse(r.out().contains("${"), "version resource must be filtered: " + r.out());
    }

    @Test
    void kernelsSelfCheckPassesAndReportsEachKernel() {
        CliRun r = run("kernels", "--seed", "7");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*gae\\s+64x512 .*PASS.*"), r.out());
        assertTrue(r.out().matches("(?s).*whiten\\s+64x512 .*PASS.*"), r.out());
        assertTrue(r.out().contains("all kernels agree with their references"), r.out());
        String policy = System.getenv("OMP_WAIT_POLICY");
        assertTrue(r.out().contains(KernelsCommand.waitPolicyLine(policy)), r.out());
        assertTrue(KernelsCommand.waitPolicyLine(null).contains("OMP_WAIT_POLICY=PASSIVE"));
        assertEquals("OpenMP wait policy: PASSIVE (OMP_WAIT_POLICY)", KernelsCommand.waitPolicyLine("PASSIVE"));
    }

    @Test
    void unknownCommandFailsWithUsage() {
        CliRun r = run("no-such-command");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Unmatched argument"), r.err());
    }
}
