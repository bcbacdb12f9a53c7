package org.rlaif4j.rl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.feedback.Labeler;
import org.rlaif4j.feedback.PreferenceLabel;

/**
 * Rewards for group-based RL (GRPO, RLOO) from an AI judge's pairwise preferences among the
 * samples of one prompt, instead of a reward model or a direct score. Rows come in consecutive
 * groups of k = {@link PairwiseJudgeConfig#groupSize()} samples of the same prompt (sample j of
 * prompt i at row i·k + j, as {@link PpoTrainer} lays them out).
 *
 * <p>Within each group, the pairs of {@link PairSchedule#forGroup} (all pairs, or a seeded round
 * robin of m opponents each) are compared by the labeler: {@code p_ij = P(i beats j)} is the
 * label's {@link PreferenceLabel#pA()}, position-debiased when the labeler reads both orders (its
 * default), so one label per unordered pair. Rewards ({@link PairwiseRewards}):
 * <ul>
 *   <li>{@code WIN_RATE}: {@code r_i = 2 · mean_j p_ij - 1}, in [-1, 1];</li>
 *   <li>{@code BRADLEY_TERRY}: the centred log-strength θ_i of the Bradley-Terry model
 *       {@code P(i beats j) = σ(θ_i - θ_j)} fitted to the soft outcomes by maximum likelihood with
 *       the L2 prior {@code (λ/2) Σ θ²} (λ = {@link PairwiseJudgeConfig#ridge()}); unbounded but
 *       finite, in nats of log-odds. Group-standardising advantages (GRPO) make the scale moot; with
 *       RLOO or a KL penalty in the reward it sets the reward's scale against the KL.</li>
 * </ul>
 *
 * <p>Two identical responses compare at 0.5 without the labeler. Every pair is asked in one
 * canonical order (the lexicographically smaller response as A) with an id drawn from its texts,
 * so the answer, and a sampled principle, do not depend on where the samples sit in the group.
 * Answers are cached by (prompt, response, response) in that canonical order, so (b, a) reuses
 * (a, b) as 1 - p; the cache keys are SHA-256 digests of the texts (a 100k-entry cache takes a few
 * MB) and the least recently used entry goes first. The cache assumes the labeler is
 * deterministic, as {@link Labeler#label} promises. {@link #cost()} counts what was asked and
 * answered ({@link JudgeCost}).
 *
 * <p>Round-robin schedules are seeded by (seed, call index, group), the call index counting this
 * rewarder's {@link #score} calls from 0; {@link #resumeAt} sets it, so a resumed run can draw the
 * schedules the uninterrupted run would have drawn. Works with any {@link Labeler}: local
 * ({@code LocalLmLabeler}) or server ({@code OpenAiCompatibleLabeler}). Not thread-safe.
 */
public final class PairwiseJudgeRewarder implements SequenceRewarder {
    private final Labeler labeler;
    private final PairwiseJudgeConfig config;
    private final LinkedHashMap<Key, Double> cache;
    private long callIndex;
    private JudgeCost total = JudgeCost.ZERO;
    private JudgeCost last = JudgeCost.ZERO;

    public PairwiseJudgeRewarder(Labeler labeler, PairwiseJudgeConfig config) {
        if (labeler == null) {
            throw new IllegalArgumentException("labeler: expected a Labeler, found null");
        }
        if (config == null) {
            throw new IllegalArgumentException("config: expected a PairwiseJudgeConfig, found null");
        }
        this.labeler = labeler;
        this.config = config;
        int capacity = config.cacheCapacity();
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Double> eldest) {
                return size() > capacity;
            }
        };
    }

    public PairwiseJudgeConfig config() {
        return config;
    }

    /** Everything spent since construction. */
    public JudgeCost cost() {
        return total;
    }

    /** What the latest {@link #score} call spent ({@link JudgeCost#ZERO} before the first). */
    public JudgeCost lastCost() {
        return last;
    }

    /** The index the next {@link #score} call's round-robin schedules are seeded with (0 for the first call). */
    public long callIndex() {
        return callIndex;
    }

    /** Seeds the next {@link #score} call's schedules as the {@code index}-th call (for a resumed run). */
    public void resumeAt(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("callIndex: expected >= 0, found " + index);
        }
        callIndex = index;
    }

    /** The last {@link #score} call's cost, logged with each PPO iteration. */
    @Override
    public java.util.Map<String, Number> metrics() {
        return java.util.Map.of("judge_comparisons", last.comparisons(), "judge_labeler_calls", last.labelerCalls(),
                "judge_cache_hits", last.cacheHits());
    }

    /** Comparisons in the cache now. */
    public int cacheSize() {
        return cache.size();
    }

    /**
     * @throws IllegalArgumentException when the batch is not whole groups of k samples of one prompt
     * @throws IllegalStateException    when the labeler answers with the wrong number of labels or a preference
     *                                  that is not a probability
     */
    @Override
    public float[] score(List<Completion> batch) {
        if (batch == null) {
            throw new IllegalArgumentException("batch: expected a list of completions, found null");
        }
        int k = config.groupSize();
        if (batch.size() % k != 0) {
            throw new IllegalArgumentException("batch: expected a multiple of groupSize = " + k + " rows (groups of k "
                    + "samples of one prompt), found " + batch.size());
        }
        int groups = batch.size() / k;
        for (int g = 0; g < groups; g++) {
            String prompt = batch.get(g * k).prompt();
            for (int j = 1; j < k; j++) {
                if (!batch.get(g * k + j).prompt().equals(prompt)) {
                    throw new IllegalArgumentException("batch: expected rows " + g * k + ".." + (g * k + k - 1)
                            + " to be " + k + " samples of one prompt, found a different prompt at row " + (g * k + j));
                }
            }
        }

        // 1. every comparison of the batch: its key and orientation, or 0.5 for identical texts
        List<List<Asked>> asked = new ArrayList<>(groups);
        Map<Key, PairRecord> pending = new LinkedHashMap<>();
        long comparisons = 0;
        long identical = 0;
        long hits = 0;
        for (int g = 0; g < groups; g++) {
            List<PairSchedule.Pair> pairs = PairSchedule.forGroup(config, callIndex, g);
            List<Asked> row = new ArrayList<>(pairs.size());
            for (PairSchedule.Pair pr : pairs) {
                Completion a = batch.get(g * k + pr.i());
                Completion b = batch.get(g * k + pr.j());
                comparisons++;
                if (a.response().equals(b.response())) {
                    identical++;
                    row.add(new Asked(pr, null, false));
                    continue;
                }
                boolean flipped = a.response().compareTo(b.response()) > 0;
                String first = flipped ? b.response() : a.response();
                String second = flipped ? a.response() : b.response();
                Key key = Key.of(a.prompt(), first, second);
                row.add(new Asked(pr, key, flipped));
                if (cache.containsKey(key) || pending.containsKey(key)) {
                    hits++;
                } else {
                    pending.put(key, new PairRecord(key.id(), a.prompt(), first, second));
                }
            }
            asked.add(row);
        }

        // 2. the labeler, for what the cache could not answer
        Map<Key, Double> fresh = new LinkedHashMap<>();
        List<Key> keys = new ArrayList<>(pending.keySet());
        for (int start = 0; start < keys.size(); start += config.labelBatch()) {
            List<Key> part = keys.subList(start, Math.min(keys.size(), start + config.labelBatch()));
            List<PairRecord> records = new ArrayList<>(part.size());
            for (Key key : part) {
                records.add(pending.get(key));
            }
            List<PreferenceLabel> labels = labeler.label(records);
            if (labels == null || labels.size() != records.size()) {
                throw new IllegalStateException("labeler " + labeler.name() + ": expected " + records.size()
                        + " labels, found " + (labels == null ? "null" : Integer.toString(labels.size())));
            }
            for (int i = 0; i < part.size(); i++) {
                PreferenceLabel l = labels.get(i);
                double p = l == null ? Double.NaN : l.pA();
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalStateException("labeler " + labeler.name() + ": expected a preference p_a in [0, 1] "
                            + "for pair " + records.get(i).id() + ", found " + (l == null ? "no label" : p));
                }
                fresh.put(part.get(i), p);
            }
        }

        // 3. rewards per group
        float[] out = new float[batch.size()];
        for (int g = 0; g < groups; g++) {
            List<PairwiseRewards.Outcome> outcomes = new ArrayList<>(asked.get(g).size());
            for (Asked q : asked.get(g)) {
                double p;
                if (q.key() == null) {
                    p = 0.5;
                } else {
                    Double known = fresh.get(q.key());
                    if (known == null) {
                        known = cache.get(q.key());
                    }
                    p = q.flipped() ? 1 - known : known;
                }
                outcomes.add(new PairwiseRewards.Outcome(q.pair().i(), q.pair().j(), p));
            }
            double[] r = switch (config.rewardType()) {
                case WIN_RATE -> PairwiseRewards.winRate(k, outcomes);
                case BRADLEY_TERRY -> PairwiseRewards.bradleyTerry(k, outcomes, config.ridge(), config.tolerance(),
                        config.maxIterations());
            };
            for (int j = 0; j < k; j++) {
                float v = (float) r[j];
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException("pairwise reward: expected a finite value for row " + (g * k + j)
                            + ", found " + v);
                }
                out[g * k + j] = v;
            }
        }
        if (config.cacheCapacity() > 0) {
            cache.putAll(fresh);
        }
        last = new JudgeCost(1, comparisons, pending.size(), hits, identical);
        total = total.plus(last);
        callIndex++;
        return out;
    }

    /** One scheduled comparison: its pair, the cache key (null for identical texts), and whether j is the key's A. */
    private record Asked(PairSchedule.Pair pair, Key key, boolean flipped) {}

    /** SHA-256 of (prompt, A, B) in the canonical order, as two longs. */
    private record Key(long hi, long lo) {
        static Key of(String prompt, String a, String b) {
            MessageDigest md;
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256: expected in every JDK, found missing", e);
            }
            for (String s : new String[] {prompt, a, b}) {
                byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
                md.update(new byte[] {(byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16),
                        (byte) (bytes.length >>> 8), (byte) bytes.length});
                md.update(bytes);
            }
            byte[] d = md.digest();
            long hi = 0;
            long lo = 0;
            for (int i = 0; i < 8; i++) {
                hi = (hi << 8) | (d[i] & 0xFF);
                lo = (lo << 8) | (d[8 + i] & 0xFF);
            }
            return new Key(hi, lo);
        }

        String id() {
            return String.format(Locale.ROOT, "pairwise-%016x", hi);
        }
    }
}
