package org.rlaif4j.rl;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Settings of a {@link PairwiseJudgeRewarder}, validated on construction. Build with
 * {@link #builder(int)}.
 *
 * @param groupSize      k, the samples of one prompt that are compared with each other (PPO's samplesPerPrompt), >= 2
 * @param strategy       which pairs of a group are compared
 * @param opponents      m, with {@link Strategy#ROUND_ROBIN}: opponents of each sample, 1..k-1; with
 *                       {@link Strategy#ALL_PAIRS} always k-1
 * @param rewardType     how a group's preferences become rewards
 * @param seed           seeds the round-robin schedules (with the call index and the group)
 * @param ridge          λ > 0 of Bradley-Terry's L2 prior on the log-strengths; keeps a sample that wins every
 *                       comparison finite
 * @param tolerance      Bradley-Terry's Newton iteration stops once no log-strength moves more than this
 * @param maxIterations  Newton iterations at most; not converging by then is an error
 * @param cacheCapacity  comparisons remembered (least recently used dropped first); 0 = no cache
 * @param labelBatch     pairs per {@code Labeler.label} call (a local labeler runs one call as one forward pass)
 */
public record PairwiseJudgeConfig(int groupSize, Strategy strategy, int opponents, RewardType rewardType, long seed,
                                  double ridge, double tolerance, int maxIterations, int cacheCapacity, int labelBatch) {
    /** Which pairs of a group of k samples the labeler compares. */
    public enum Strategy {
        /** Every unordered pair: k(k-1)/2 comparisons per group. */
        ALL_PAIRS("all-pairs"),
        /**
         * Each sample against m others, k·m/2 comparisons per group (rounded up): a seeded random
         * order of the group, each sample compared with its m nearest neighbours around that circle
         * (see {@link PairSchedule#roundRobin}); for large k.
         */
        ROUND_ROBIN("round-robin");

        private final String cliName;

        Strategy(String cliName) {
            this.cliName = cliName;
        }

        public String cliName() {
            return cliName;
        }

        /** By {@link #cliName()} or the constant's name, case-insensitive, '-' and '_' alike. */
        public static Strategy parse(String s, String option) {
            return PairwiseJudgeConfig.parse(values(), s, option);
        }
    }

    /** How a group's soft preferences become per-sample rewards ({@link PairwiseRewards}). */
    public enum RewardType {
        /** Centred maximum-likelihood log-strength of a Bradley-Terry model with an L2 prior. */
        BRADLEY_TERRY("bradley-terry"),
        /** Mean preference over the compared opponents, scaled to [-1, 1]: {@code 2 * mean - 1}. */
        WIN_RATE("win-rate");

        private final String cliName;

        RewardType(String cliName) {
            this.cliName = cliName;
        }

        public String cliName() {
            return cliName;
        }

        /** By {@link #cliName()} or the constant's name, case-insensitive, '-' and '_' alike. */
        public static RewardType parse(String s, String option) {
            return PairwiseJudgeConfig.parse(values(), s, option);
        }
    }

    public static final double DEFAULT_RIDGE = 0.01;
    public static final double DEFAULT_TOLERANCE = 1e-9;
    public static final int DEFAULT_MAX_ITERATIONS = 100;
    public static final int DEFAULT_CACHE_CAPACITY = 100_000;
    public static final int DEFAULT_LABEL_BATCH = 16;

    public PairwiseJudgeConfig {
        if (groupSize < 2) {
            throw new IllegalArgumentException("groupSize: expected >= 2 samples per prompt to compare, found " + groupSize);
        }
        if (strategy == null || rewardType == null) {
            throw new IllegalArgumentException("strategy, rewardType: expected values, found " + strategy + ", "
                    + rewardType);
        }
        if (strategy == Strategy.ALL_PAIRS) {
            if (opponents != groupSize - 1) {
                throw new IllegalArgumentException("opponents: expected groupSize - 1 = " + (groupSize - 1)
                        + " with all-pairs, found " + opponents);
            }
        } else if (opponents < 1 || opponents > groupSize - 1) {
            throw new IllegalArgumentException("opponents: expected 1.." + (groupSize - 1)
                    + " (groupSize - 1) per sample with round-robin, found " + opponents);
        }
        if (!(ridge > 0) || Double.isInfinite(ridge)) {
            throw new IllegalArgumentException("ridge: expected a finite value > 0, found " + ridge);
        }
        if (!(tolerance > 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("tolerance: expected a finite value > 0, found " + tolerance);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations: expected >= 1, found " + maxIterations);
        }
        if (cacheCapacity < 0) {
            throw new IllegalArgumentException("cacheCapacity: expected >= 0 (0 = no cache), found " + cacheCapacity);
        }
        if (labelBatch < 1) {
            throw new IllegalArgumentException("labelBatch: expected >= 1 pairs per labeler call, found " + labelBatch);
        }
    }

    /** Comparisons the schedule asks for per group: k(k-1)/2 for all pairs, ceil(k·m/2) for round robin. */
    public int comparisonsPerGroup() {
        return (groupSize * opponents + 1) / 2;
    }

    /** Defaults: all pairs, Bradley-Terry, seed 0, the DEFAULT_* constants. */
    public static Builder builder(int groupSize) {
        return new Builder(groupSize);
    }

    public Builder toBuilder() {
        Builder b = new Builder(groupSize);
        b.strategy = strategy;
        b.opponents = opponents;
        b.rewardType = rewardType;
        b.seed = seed;
        b.ridge = ridge;
        b.tolerance = tolerance;
        b.maxIterations = maxIterations;
        b.cacheCapacity = cacheCapacity;
        b.labelBatch = labelBatch;
        return b;
    }

    public static final class Builder {
        private int groupSize;
        private Strategy strategy = Strategy.ALL_PAIRS;
        private int opponents = -1;
        private RewardType rewardType = RewardType.BRADLEY_TERRY;
        private long seed;
        private double ridge = DEFAULT_RIDGE;
        private double tolerance = DEFAULT_TOLERANCE;
        private int maxIterations = DEFAULT_MAX_ITERATIONS;
        private int cacheCapacity = DEFAULT_CACHE_CAPACITY;
        private int labelBatch = DEFAULT_LABEL_BATCH;

        private Builder(int groupSize) {
            this.groupSize = groupSize;
        }

        public Builder groupSize(int k) {
            groupSize = k;
            return this;
        }

        /** Every pair of a group (the default). */
        public Builder allPairs() {
            strategy = Strategy.ALL_PAIRS;
            opponents = -1;
            return this;
        }

        /** Each sample against {@code m} others. */
        public Builder roundRobin(int m) {
            strategy = Strategy.ROUND_ROBIN;
            opponents = m;
            return this;
        }

        public Builder rewardType(RewardType t) {
            rewardType = t;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder ridge(double lambda) {
            ridge = lambda;
            return this;
        }

        public Builder tolerance(double t) {
            tolerance = t;
            return this;
        }

        public Builder maxIterations(int n) {
            maxIterations = n;
            return this;
        }

        public Builder cacheCapacity(int n) {
            cacheCapacity = n;
            return this;
        }

        public Builder labelBatch(int n) {
            labelBatch = n;
            return this;
        }

        public PairwiseJudgeConfig build() {
            int m = strategy == Strategy.ALL_PAIRS ? groupSize - 1 : opponents;
            return new PairwiseJudgeConfig(groupSize, strategy, m, rewardType, seed, ridge, tolerance, maxIterations,
                    cacheCapacity, labelBatch);
        }
    }

    private static <E extends Enum<E>> E parse(E[] values, String s, String option) {
        String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (E v : values) {
            if (v.name().toLowerCase(Locale.ROOT).equals(k)) {
                return v;
            }
        }
        throw new IllegalArgumentException(option + ": expected one of " + Arrays.stream(values)
                .map(v -> v.name().toLowerCase(Locale.ROOT).replace('_', '-')).collect(Collectors.joining(", "))
                + ", found '" + s + "'");
    }
}
