package org.rlaif4j.rl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hands a reward model the sequences the way it was trained on them. PPO's completions carry
 * {@code [bos] prompt} and {@code response [eos]}, while {@code train-rm} encodes prompt and
 * response with no special tokens and reads the score at the last response character; without
 * this adapter a reward model from {@code train-rm} would be read at an eos position it never saw in
 * training. Ids that match neither token (a tokenizer without BOS, say) are left as they are.
 */
public final class AsTrainedRewarder implements SequenceRewarder {
    private final SequenceRewarder inner;
    private final long bos;
    private final long eos;

    public AsTrainedRewarder(SequenceRewarder inner, long bos, long eos) {
        this.inner = inner;
        this.bos = bos;
        this.eos = eos;
    }

    @Override
    public float[] score(List<Completion> batch) {
        List<Completion> stripped = new ArrayList<>(batch.size());
        for (Completion c : batch) {
            long[] p = c.promptIds();
            long[] r = c.responseIds();
            if (p.length > 1 && p[0] == bos) {
                p = Arrays.copyOfRange(p, 1, p.length);
            }
            if (r.length > 0 && r[r.length - 1] == eos) {
                r = Arrays.copyOf(r, r.length - 1);
            }
            stripped.add(new Completion(c.prompt(), c.response(), p, r, c.truncated()));
        }
        return inner.score(stripped);
    }
}
