package org.rlaif4j.dist;

import java.time.Duration;
import java.util.function.Function;

/**
 * Where this process sits in a data-parallel job, with torchrun's conventions.
 *
 * @param rank        this process, 0 .. worldSize - 1; rank 0 hosts the TCP store, writes checkpoints and reports
 * @param worldSize   processes in the job; 1 = not distributed
 * @param localRank   index on this machine (which GPU, under NCCL)
 * @param masterAddr  host of rank 0's TCP store
 * @param masterPort  port of rank 0's TCP store
 * @param timeout     rendezvous and collective timeout: a dead or stuck peer fails the others after this
 * @param bucketBytes gradients are all-reduced in flat buckets of about this size
 */
public record DistConfig(int rank, int worldSize, int localRank, String masterAddr, int masterPort, Duration timeout,
                         long bucketBytes) {
    public DistConfig {
        if (worldSize < 1) {
            throw new IllegalArgumentException("world size (--world-size or WORLD_SIZE): expected >= 1, found " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank (--rank or RANK): expected 0 .. " + (worldSize - 1) + ", found " + rank);
        }
        if (worldSize > 1 && (masterAddr == null || masterAddr.isBlank())) {
            throw new IllegalArgumentException("master address (--master-addr or MASTER_ADDR): expected the host of rank 0, "
                    + "found none");
        }
        if (worldSize > 1 && (masterPort < 1 || masterPort > 65535)) {
            throw new IllegalArgumentException("master port (--master-port or MASTER_PORT): expected 1 .. 65535, found "
                    + masterPort);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("distributed timeout: expected a positive duration, found " + timeout);
        }
        if (bucketBytes < 1) {
            throw new IllegalArgumentException("gradient bucket size: expected >= 1 byte, found " + bucketBytes);
        }
    }

    /** One process: no process group at all. */
    public static DistConfig single() {
        return new DistConfig(0, 1, 0, null, 0, Duration.ofMinutes(5), 25L << 20);
    }

    public boolean distributed() {
        return worldSize > 1;
    }

    /**
     * From flags where given (null = not given), else torchrun's environment variables RANK,
     * WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; with neither, a single process.
     */
    public static DistConfig resolve(Integer rank, Integer worldSize, Integer localRank, String masterAddr,
                                     Integer masterPort, Duration timeout, long bucketBytes,
                                     Function<String, String> env) {
        int world = worldSize != null ? worldSize : envInt(env, "WORLD_SIZE", 1);
        int r = rank != null ? rank : envInt(env, "RANK", 0);
        int local = localRank != null ? localRank : envInt(env, "LOCAL_RANK", r);
        String addr = masterAddr != null ? masterAddr : env.apply("MASTER_ADDR");
        int port = masterPort != null ? masterPort : envInt(env, "MASTER_PORT", 29500);
        return new DistConfig(r, world, local, addr == null && world == 1 ? null : addr, port, timeout, bucketBytes);
    }

    private static int envInt(Function<String, String> env, String name, int dflt) {
        String v = env.apply(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("environment variable " + name + ": expected an integer, found '" + v + "'");
        }
    }
}
