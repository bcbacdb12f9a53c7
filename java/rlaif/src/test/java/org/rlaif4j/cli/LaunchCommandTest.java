package org.rlaif4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class LaunchCommandTest {
    @Test
    void workersShareTheCoresUnlessTheUserSetTheThreads() {
        assertEquals(OptionalInt.of(1), LaunchCommand.threadsPerWorker(null, 2, 2));
        assertEquals(OptionalInt.of(4), LaunchCommand.threadsPerWorker(null, 16, 4));
        assertEquals(OptionalInt.of(1), LaunchCommand.threadsPerWorker("", 2, 8), "never below one thread");
        assertEquals(OptionalInt.of(3), LaunchCommand.threadsPerWorker(" ", 7, 2));
        assertEquals(OptionalInt.empty(), LaunchCommand.threadsPerWorker("3", 2, 2), "OMP_NUM_THREADS is passed on as set");
    }
}
