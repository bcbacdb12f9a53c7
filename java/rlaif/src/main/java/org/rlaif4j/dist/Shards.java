package org.rlaif4j.dist;

import java.util.List;

/**
 * How a data-parallel step splits its data: each of the {@code world} ranks takes its own
 * {@code perRank} consecutive items of the step's {@code world × perRank} (rank r the r-th block),
 * so the ranks together see what one process would with {@code world × perRank} items per step.
 */
public final class Shards {
    private Shards() {}

    /**
     * Steps in one pass over {@code items}: one process keeps the incomplete last step; several
     * ranks drop it so every rank has a full share (else their collectives would not pair up).
     *
     * @param what names the items and the per-rank setting in the error, e.g. "training pairs" and
     *             "--micro-batch × --grad-accum"
     */
    public static long stepsPerEpoch(int items, long perRank, int world, String what, String perRankSetting) {
        if (perRank < 1) {
            throw new IllegalArgumentException(perRankSetting + ": expected >= 1, found " + perRank);
        }
        long global = perRank * world;
        long steps = world == 1 ? (items + global - 1) / global : items / global;
        if (steps == 0) {
            throw new IllegalArgumentException(what + ": " + world + " ranks × " + perRankSetting + " = " + global
                    + " per step, found only " + items);
        }
        return steps;
    }

    /** This rank's share of step {@code stepInEpoch} of {@code order} (the last step's may be short with one process). */
    public static <T> List<T> rankShare(List<T> order, long stepInEpoch, int perRank, DataParallel dp) {
        long from = stepInEpoch * perRank * dp.worldSize() + (long) dp.rank() * perRank;
        if (from >= order.size()) {
            throw new IllegalArgumentException("step " + stepInEpoch + ": rank " + dp.rank() + "'s share starts at item "
                    + from + ", past the " + order.size() + " items");
        }
        return order.subList((int) from, (int) Math.min(order.size(), from + perRank));
    }
}
