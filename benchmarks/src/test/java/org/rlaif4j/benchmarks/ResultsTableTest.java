package org.rlaif4j.benchmarks;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultsTableTest {
    private static String run(String bench, String param, double median) {
        return String.format(java.util.Locale.ROOT,
                "{\"benchmark\":\"org.rlaif4j.benchmarks.%s\",\"params\":{\"p\":\"%s\"},"
                        + "\"primaryMetric\":{\"score\":99,\"scoreUnit\":\"ms/op\",\"scorePercentiles\":{\"50.0\":%s}}}",
                bench, param, median);
    }

    @Test
    void ratiosAndBandwidthComeFromMediansOfTheSameRun() throws Exception {
        String json = "[" + String.join(",",
                run("GaeBenchmark.nativeKernel", "256x1024", 0.5),
                run("GaeBenchmark.nativePreallocated", "256x1024", 0.4),
                run("GaeBenchmark.libtorchEager", "256x1024", 40.0),
                run("GaeBenchmark.plainJava", "256x1024", 1.5),
                run("CopyBenchmark.parallelMemcpy", "256x1024/17", 0.25)) + "]";
        ResultsTable t = new ResultsTable(new ObjectMapper().readTree(json));
        assertEquals(80.0, t.speedup("GaeBenchmark", "libtorchEager", "256x1024"), 1e-12);
        assertEquals(3.0, t.speedup("GaeBenchmark", "plainJava", "256x1024"), 1e-12);
        assertEquals(0.5, t.bandwidthFraction("GaeBenchmark", 17, "256x1024"), 1e-12);
        // 256*1024*17 bytes in 0.5 ms
        assertEquals(256 * 1024 * 17 / 0.5e6, ResultsTable.gigabytesPerSecond("256x1024", 17, 0.5), 1e-9);
        assertEquals(0.625, t.preallocatedBandwidthFraction("GaeBenchmark", 17, "256x1024"), 1e-12);
        List<String> rows = t.kernelTable("GAE", "GaeBenchmark", 17, List.of("256x1024"));
        assertTrue(rows.get(4).startsWith("| 256×1024 | 0.5000 | 0.4000 | 40.000 | 1.5000 | 80.0× | 3.8× |"),
                rows.get(4));
        assertTrue(rows.get(4).endsWith("| 63% |"), rows.get(4));
    }

    @Test
    void fusedTableShowsThePreallocatedCallWhenMeasured() throws Exception {
        String json = "[" + String.join(",",
                run("PpoLossBenchmark.nativeKernel", "1024x2048", 20.0),
                run("PpoLossBenchmark.nativePreallocated", "1024x2048", 8.0),
                run("PpoLossBenchmark.libtorchEager", "1024x2048", 140.0),
                run("CopyBenchmark.parallelMemcpy", "1024x2048/45", 2.0),
                run("LogProbsBenchmark.nativeKernel", "1024x50257", 100.0),
                run("LogProbsBenchmark.libtorchEager", "1024x50257", 300.0)) + "]";
        ResultsTable t = new ResultsTable(new ObjectMapper().readTree(json));
        List<String> rows = t.fusedTable("PPO", "PpoLossBenchmark", 45, List.of("1024x2048"));
        // 1024*2048*45 bytes: 4.7 GB/s in 20 ms, 11.8 in 8 ms, 47.2 in 2 ms (copy).
        assertEquals("| 1024×2048 | 20.000 | 8.000 | 140.000 | 7.0× | 4.7 | 11.8 | 47.2 | 10% | 25% | n/a | n/a |",
                rows.get(4));
        assertEquals(0.25, t.preallocatedBandwidthFraction("PpoLossBenchmark", 45, "1024x2048"), 1e-12);
        List<String> plain = t.fusedTable("LP", "LogProbsBenchmark", 0, List.of("1024x50257"));
        assertEquals("| 1024×50257 | 100.000 | 300.000 | 3.0× | — | — | — | n/a | n/a |", plain.get(4));
    }

    @Test
    void ppoIterationSectionSplitsThePhasesFromTheSideLines() throws Exception {
        String json = "[" + String.join(",", run("PpoIterationBenchmark.iteration", "linear", 10000.0),
                run("PpoIterationBenchmark.iteration", "eager", 12500.0)) + "]";
        ResultsTable t = new ResultsTable(new ObjectMapper().readTree(json));
        t.addPeaks(List.of("ppo-phases\tlinear\t5.0\t1.0\t4.0\t512\t768\t1024",
                "ppo-phases\tlinear\t4.0\t1.0\t2.0\t512\t768\t1024",
                "ppo-phases\teager\t5.0\t1.0\t8.0\t512\t768\t1024",
                "GaeBenchmark.nativeKernel\t64x512\t1024"));
        assertEquals((512 / 5.0 + 512 / 4.0) / 2, t.ppoTokensPerSecond("linear", 0), 1e-9, "median of two shots");
        assertEquals(768, t.ppoTokensPerSecond("linear", 1), 1e-9);
        assertEquals(128, t.ppoTokensPerSecond("eager", 2), 1e-9);
        assertTrue(Double.isNaN(t.ppoTokensPerSecond("split", 0)));
        List<String> rows = t.ppoIterationSection();
        assertEquals("| fused kernels (LinearPpoLoss, GAE, whitening) | 10000 | 51.2 | 115.2 | 768 | 384 |", rows.get(4));
        assertEquals("| libtorch eager reference | 12500 | 41.0 | 102.4 | 768 | 128 |", rows.get(5));
        assertTrue(rows.get(7).startsWith("Eager / fused linear: iteration time 1.25×, training phase 3.00×"), rows.get(7));
        assertEquals(1024, t.peak("GaeBenchmark.nativeKernel", "64x512"), "memory lines are still read");
    }

    @Test
    void missingRowsShowAsNaNNotAsNumbers() throws Exception {
        ResultsTable t = new ResultsTable(new ObjectMapper().readTree("[]"));
        assertTrue(Double.isNaN(t.speedup("GaeBenchmark", "plainJava", "64x512")));
        assertTrue(ResultsTable.check("x", Double.NaN, 2, "×").endsWith("NOT met"));
    }

    @Test
    void rejectsOtherTimeUnits() throws Exception {
        String json = "[{\"benchmark\":\"a.B.c\",\"params\":{},\"primaryMetric\":{\"score\":1,\"scoreUnit\":\"us/op\"}}]";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ResultsTable(new ObjectMapper().readTree(json)));
        assertEquals("a.B.c: expected scoreUnit ms/op, found \"us/op\"", e.getMessage());
    }
}
