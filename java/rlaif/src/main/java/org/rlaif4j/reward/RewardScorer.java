package org.rlaif4j.reward;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.ScalarHeadModel;

/**
 * Scores token sequences with a reward model: right-padded batches with an attention mask, one
 * score per sequence read at its last real token. {@link #scores} keeps the autograd graph (for
 * training); {@link #score} runs without gradients in batches of {@code batchSize}.
 */
public final class RewardScorer {
    private final ScalarHeadModel model;
    private final PairEncoder encoder;

    public RewardScorer(ScalarHeadModel model, PairEncoder encoder) {
        this.model = model;
        this.encoder = encoder;
    }

    public ScalarHeadModel model() {
        return model;
    }

    public PairEncoder encoder() {
        return encoder;
    }

    /** Scores {@code [N]} of already encoded sequences, differentiable; temporaries go to the caller's scope. */
    public Tensor scores(List<long[]> sequences) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("sequences: expected at least one");
        }
        int t = 0;
        for (long[] s : sequences) {
            if (s.length == 0) {
                throw new IllegalArgumentException("sequences: every sequence needs at least one token");
            }
            t = Math.max(t, s.length);
        }
        int b = sequences.size();
        long pad = model.config().padOrEosTokenId();
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        java.util.Arrays.fill(ids, pad);
        for (int i = 0; i < b; i++) {
            long[] s = sequences.get(i);
            System.arraycopy(s, 0, ids, i * t, s.length);
            java.util.Arrays.fill(mask, i * t, i * t + s.length, 1L);
        }
        return model.scores(Ops.fromLongs(ids, b, t), Ops.fromLongs(mask, b, t)); // [B]
    }

    /** Rewards of (prompt, response) pairs, without gradients, {@code batchSize} sequences per forward pass. */
    public double[] score(List<String> prompts, List<String> responses, int batchSize) {
        return scorePrompts(prompts.stream().map(org.rlaif4j.data.Prompt::text).toList(), responses, batchSize);
    }

    /** {@link #score} for prompts in either dataset format. */
    public double[] scorePrompts(List<org.rlaif4j.data.Prompt> prompts, List<String> responses, int batchSize) {
        if (prompts.size() != responses.size()) {
            throw new IllegalArgumentException("prompts and responses: expected equal counts, found "
                    + prompts.size() + " and " + responses.size());
        }
        List<long[]> encoded = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            encoded.add(encoder.encode(prompts.get(i), responses.get(i)));
        }
        return scoreEncoded(encoded, batchSize);
    }

    /** Rewards of encoded sequences, without gradients, in evaluation mode (restored afterwards). */
    public double[] scoreEncoded(List<long[]> encoded, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: expected >= 1, found " + batchSize);
        }
        boolean wasTraining = model.isTraining();
        model.train(false);
        double[] out = new double[encoded.size()];
        try {
            for (int from = 0; from < encoded.size(); from += batchSize) {
                int to = Math.min(encoded.size(), from + batchSize);
                try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    float[] s = Ops.toFloats(scores(encoded.subList(from, to)));
                    for (int i = 0; i < s.length; i++) {
                        out[from + i] = s[i];
                    }
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return out;
    }
}
