package org.rlaif4j.rl;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which samples of a group of k a {@link PairwiseJudgeRewarder} compares. Pairs are unordered and
 * listed with {@code i < j}; no pair appears twice.
 */
public final class PairSchedule {
    private PairSchedule() {}

    /** Two samples of one group, {@code 0 <= i < j < k}. */
    public record Pair(int i, int j) {
        public Pair {
            if (i < 0 || j <= i) {
                throw new IllegalArgumentException("pair: expected 0 <= i < j, found (" + i + ", " + j + ")");
            }
        }
    }

    /** The pairs of group {@code group} in the rewarder's {@code call}-th batch under {@code config}. */
    public static List<Pair> forGroup(PairwiseJudgeConfig config, long call, int group) {
        return switch (config.strategy()) {
            case ALL_PAIRS -> allPairs(config.groupSize());
            case ROUND_ROBIN -> roundRobin(config.groupSize(), config.opponents(),
                    Seeds.mix(config.seed(), call, group));
        };
    }

    /** Every unordered pair of {@code k} samples, k(k-1)/2 of them: (0,1), (0,2), ..., (k-2,k-1). */
    public static List<Pair> allPairs(int k) {
        if (k < 2) {
            throw new IllegalArgumentException("k: expected >= 2 samples to pair, found " + k);
        }
        List<Pair> out = new ArrayList<>(k * (k - 1) / 2);
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                out.add(new Pair(i, j));
            }
        }
        return out;
    }

    /**
     * Each of {@code k} samples against {@code m} others ({@code 1 <= m <= k-1}). The samples are put
     * in a random order drawn from {@code seed} (positions 0..k-1 around a circle); the position at
     * p is compared with those at p ± d (mod k) for d = 1..⌊m/2⌋. An odd m adds one more opponent
     * each: with k even, the opposite position p + k/2; with k odd (k·m odd, so not every sample can
     * have exactly m) a matching along the positions p, p + d', p + 2d', ... for an offset d' above
     * ⌊m/2⌋ (coprime to k when one exists), each odd cycle of it closing with one extra pair, so
     * gcd(d', k) samples (usually one) get m + 1. Every sample therefore gets exactly m opponents
     * when k·m is even, m or m + 1 otherwise, and the pairs number ⌈k·m/2⌉ (when d' is coprime to k).
     * {@code m = k-1} gives all pairs. The same arguments give the same pairs.
     */
    public static List<Pair> roundRobin(int k, int m, long seed) {
        if (k < 2) {
            throw new IllegalArgumentException("k: expected >= 2 samples to pair, found " + k);
        }
        if (m < 1 || m > k - 1) {
            throw new IllegalArgumentException("m: expected 1.." + (k - 1) + " opponents per sample (k - 1), found " + m);
        }
        int[] at = permutation(k, seed); // at[position] = sample
        List<Pair> out = new ArrayList<>((k * m + 1) / 2);
        int half = m / 2;
        for (int d = 1; d <= half; d++) {
            for (int p = 0; p < k; p++) {
                out.add(pair(at[p], at[(p + d) % k]));
            }
        }
        if (m % 2 == 1) {
            if (k % 2 == 0) {
                for (int p = 0; p < k / 2; p++) {
                    out.add(pair(at[p], at[p + k / 2]));
                }
            } else {
                int offset = half + 1;
                for (int d = half + 1; d <= (k - 1) / 2; d++) {
                    if (gcd(d, k) == 1) {
                        offset = d;
                        break;
                    }
                }
                boolean[] seen = new boolean[k];
                for (int start = 0; start < k; start++) {
                    if (seen[start]) {
                        continue;
                    }
                    List<Integer> cycle = new ArrayList<>();
                    for (int p = start; !seen[p]; p = (p + offset) % k) {
                        seen[p] = true;
                        cycle.add(p);
                    }
                    for (int t = 0; t + 1 < cycle.size(); t += 2) {
                        out.add(pair(at[cycle.get(t)], at[cycle.get(t + 1)]));
                    }
                    // k odd: every cycle has odd length >= 3; its last position closes onto the first
                    out.add(pair(at[cycle.get(cycle.size() - 1)], at[cycle.get(0)]));
                }
            }
        }
        return out;
    }

    private static Pair pair(int a, int b) {
        return a < b ? new Pair(a, b) : new Pair(b, a);
    }

    private static int[] permutation(int k, long seed) {
        int[] a = new int[k];
        for (int i = 0; i < k; i++) {
            a[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = k - 1; i > 0; i--) { // Fisher-Yates
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
