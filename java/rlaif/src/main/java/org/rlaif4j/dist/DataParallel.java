package org.rlaif4j.dist;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The collectives a data-parallel trainer needs. {@link #single()} is the one-process no-op;
 * {@link GlooDataParallel} runs them over a c10d process group. Every rank must make the same
 * calls in the same order; a failed or timed-out collective throws {@link DistributedException}.
 */
public interface DataParallel extends AutoCloseable {
    int rank();

    int worldSize();

    /** Rank 0: the one that writes checkpoints and reports. */
    default boolean isMain() {
        return rank() == 0;
    }

    /** Copies rank 0's values into {@code tensors} on every rank (in place). */
    void broadcast(List<Tensor> tensors);

    /** Replaces each defined gradient of {@code params} by its mean over the ranks. */
    void averageGradients(List<Tensor> params);

    /** The element-wise sum of {@code values} over the ranks. */
    double[] sum(double[] values);

    /**
     * The largest |difference| between {@code tensors} here and on rank 0 (0 on rank 0 and when in
     * sync): a check that data-parallel replicas did not drift apart.
     */
    double maxDifferenceFromRankZero(List<Tensor> tensors);

    /** Returns when every rank has reached it. */
    void barrier();

    /**
     * Throws unless every rank passes the same {@code value} (e.g. the step a resumed run starts
     * from); {@code remedy} ends the message.
     */
    default void requireSame(long value, String what, String remedy) {
        double[] s = sum(new double[] {value, (double) value * value});
        int w = worldSize();
        if (s[0] * s[0] != s[1] * w) { // all equal iff (Σx)² = w·Σx²
            throw new IllegalStateException("rank " + rank() + " has " + what + " = " + value + " but the ranks disagree "
                    + "(mean " + s[0] / w + "); " + remedy);
        }
    }

    @Override
    void close();

    /** One process: every collective is the identity. */
    static DataParallel single() {
        return new DataParallel() {
            @Override
            public int rank() {
                return 0;
            }

            @Override
            public int worldSize() {
                return 1;
            }

            @Override
            public void broadcast(List<Tensor> tensors) {
            }

            @Override
            public void averageGradients(List<Tensor> params) {
            }

            @Override
            public double[] sum(double[] values) {
                return values.clone();
            }

            @Override
            public double maxDifferenceFromRankZero(List<Tensor> tensors) {
                return 0;
            }

            @Override
            public void barrier() {
            }

            @Override
            public void close() {
            }
        };
    }

    /** {@link #single()} for one process, else a Gloo process group joined through rank 0's TCP store. */
    static DataParallel open(DistConfig cfg) {
        return cfg.distributed() ? GlooDataParallel.join(cfg) : single();
    }
}
