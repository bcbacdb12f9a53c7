package org.rlaif4j.rl;

import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.ScalarHeadModel;

/**
 * Rewards from a reward model ({@link ScalarHeadModel#scores}: the value at each row's last real
 * token) over prompt + response token ids, right-padded, in batches of {@code batchSize}. The
 * reward model must share the policy's tokenizer (the ids are passed through unchanged).
 */
public final class RewardModelRewarder implements SequenceRewarder {
    private final ScalarHeadModel model;
    private final int batchSize;
    private final long padId;

    public RewardModelRewarder(ScalarHeadModel model, int batchSize, long padId) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: expected >= 1, found " + batchSize);
        }
        this.model = model;
        this.batchSize = batchSize;
        this.padId = padId;
    }

    @Override
    public float[] score(List<Completion> batch) {
        float[] out = new float[batch.size()];
        try (NoGradGuard g = new NoGradGuard()) {
            for (int start = 0; start < batch.size(); start += batchSize) {
                List<Completion> part = batch.subList(start, Math.min(batch.size(), start + batchSize));
                int t = part.stream().mapToInt(c -> c.promptIds().length + c.responseIds().length).max().orElse(1);
                long[] ids = new long[part.size() * t];
                long[] mask = new long[part.size() * t];
                Arrays.fill(ids, padId);
                for (int i = 0; i < part.size(); i++) {
                    Completion c = part.get(i);
                    System.arraycopy(c.promptIds(), 0, ids, i * t, c.promptIds().length);
                    System.arraycopy(c.responseIds(), 0, ids, i * t + c.promptIds().length, c.responseIds().length);
                    Arrays.fill(mask, i * t, i * t + c.promptIds().length + c.responseIds().length, 1L);
                }
                try (PointerScope scope = new PointerScope()) {
                    float[] s = Ops.toFloats(model.scores(Ops.fromLongs(ids, part.size(), t),
                            Ops.fromLongs(mask, part.size(), t)));
                    System.arraycopy(s, 0, out, start, s.length);
                }
            }
        }
        return out;
    }
}
