package org.rlaif4j.dist;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.model.Ops;

/** What the data-parallel tests of every trainer check: parameters across runs, and a dead peer. */
public final class RankChecks {
    private RankChecks() {}

    /** One rank's work, given its rank and its open process group. */
    public interface RankBody<T> {
        T run(int rank, DataParallel dp) throws Exception;
    }

    /** A TCP port free on loopback now, for a rendezvous. */
    public static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Runs {@code body} as ranks 0 and 1 of a two-rank Gloo group on loopback, each on its own
     * thread, and returns their results in rank order (each awaited at most 120 s).
     */
    public static <T> List<T> onTwoRanks(RankBody<T> body) throws Exception {
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<T>> ranks = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++) {
                int r = rank;
                ranks.add(pool.submit(() -> {
                    DistConfig cfg = new DistConfig(r, 2, r, "127.0.0.1", port, Duration.ofSeconds(60), 1 << 16);
                    try (DataParallel dp = DataParallel.open(cfg)) {
                        return body.run(r, dp);
                    }
                }));
            }
            return List.of(ranks.get(0).get(120, TimeUnit.SECONDS), ranks.get(1).get(120, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    /** A copy of named parameters, by name in sorted order. */
    public static Map<String, float[]> snapshot(Map<String, Tensor> parameters) {
        Map<String, float[]> out = new TreeMap<>();
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            out.put(e.getKey(), Ops.toFloats(e.getValue()));
        }
        return out;
    }

    /** Largest absolute difference between two snapshots of the same parameters. */
    public static double maxDiff(Map<String, float[]> a, Map<String, float[]> b) {
        assertEquals(a.keySet(), b.keySet());
        double max = 0;
        for (String k : a.keySet()) {
            float[] x = a.get(k);
            float[] y = b.get(k);
            for (int i = 0; i < x.length; i++) {
                max = Math.max(max, Math.abs(x[i] - y[i]));
            }
        }
        return max;
    }

    /**
     * Kills rank 1 and checks that rank 0 exits with status 1 and the "peer rank probably died"
     * message within the collectives' 30 s timeout (plus slack); both are destroyed afterwards.
     */
    public static void killRankOneAndExpectRankZeroToFailFast(Process[] ranks, Path rankZeroLog) throws Exception {
        try {
            ranks[1].destroyForcibly();
            long killed = System.nanoTime();
            assertTrue(ranks[0].waitFor(40, TimeUnit.SECONDS), "rank 0 gave up within the 30 s timeout (+ slack)");
            double seconds = (System.nanoTime() - killed) / 1e9;
            String out = Files.readString(rankZeroLog);
            assertEquals(1, ranks[0].exitValue(), out);
            assertTrue(out.contains("rank 0 of 2:") && out.contains("a peer rank probably died"), out);
            assertTrue(seconds < 40, "failed after " + seconds + " s");
        } finally {
            for (Process p : ranks) {
                p.destroyForcibly();
            }
        }
    }
}
