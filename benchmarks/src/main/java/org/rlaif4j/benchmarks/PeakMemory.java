package org.rlaif4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Peak extra resident memory of a benchmark: the process's resident-set high-water mark
 * (VmHWM), reset after set-up through /proc/self/clear_refs, minus the resident set at that
 * moment. JMH runs each benchmark and parameter set in its own fork, so the peak belongs to it.
 * Results go as tab-separated lines to the file named by -Drlaif.bench.memoryFile (if set).
 */
final class PeakMemory {
    private final long baseline;

    private PeakMemory(long baseline) {
        this.baseline = baseline;
    }

    /** Resets the high-water mark to the current resident set and remembers it. */
    static PeakMemory start() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reset the resident-set high-water mark", e);
        }
        return new PeakMemory(status("VmRSS:"));
    }

    long extraBytes() {
        return status("VmHWM:") - baseline;
    }

    /** {@link #report(String, String)} under the benchmark's {@code Class.method} name. */
    void report(org.openjdk.jmh.infra.BenchmarkParams params, String param) {
        String name = params.getBenchmark();
        report(name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1), param);
    }

    void report(String benchmark, String param) {
        String file = System.getProperty("rlaif.bench.memoryFile");
        if (file == null) {
            return;
        }
        String line = String.format(Locale.ROOT, "%s\t%s\t%d%n", benchmark, param, extraBytes());
        try {
            Files.writeString(Path.of(file), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024L;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no " + key + " in /proc/self/status");
    }
}
