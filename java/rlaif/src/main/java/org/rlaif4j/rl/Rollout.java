package org.rlaif4j.rl;

import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.model.Ops;

/**
 * The sampled rows of one iteration, before scoring: left-padded prompts and their responses.
 *
 * @param completions      one per row, with prompt and response text and ids
 * @param seq              {@code [B, P + N]} int64 prompt and response tokens
 * @param attn             {@code [B, P + N]} int64, 1 at real tokens
 * @param promptLength     P: the padded prompt width
 * @param generatedLength  N: the padded response width
 * @param truncated        per row: no stop token within the budget
 * @param lengths          per row: response tokens
 * @param samplingLogProbs per row, the log-probs of its response tokens under the distribution they
 *                         were drawn from (the behaviour policy's), or null when not known
 */
record Rollout(List<Completion> completions, Tensor seq, Tensor attn, int promptLength, int generatedLength,
        boolean[] truncated, int[] lengths, List<float[]> samplingLogProbs) {

    int rows() {
        return lengths.length;
    }

    /**
     * The rollout of these completions, re-padded as the generator pads them: prompts left-padded to
     * the longest, responses right-padded to the longest, {@code padId} at padding (attention 0).
     * Rows keep their tokens, so their scores equal those of the batches they were sampled in up to
     * floating-point rounding (the positions come from the attention mask).
     */
    static Rollout fromCompletions(List<Completion> completions, List<float[]> samplingLogProbs, long padId) {
        int b = completions.size();
        if (b == 0) {
            throw new IllegalArgumentException("completions: expected at least one, found none");
        }
        int p = 0;
        int n = 1;
        for (Completion c : completions) {
            p = Math.max(p, c.promptIds().length);
            n = Math.max(n, c.responseIds().length);
        }
        long[] seq = new long[b * (p + n)];
        long[] attn = new long[b * (p + n)];
        Arrays.fill(seq, padId);
        boolean[] truncated = new boolean[b];
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) {
            Completion c = completions.get(i);
            int row = i * (p + n);
            int lead = p - c.promptIds().length;
            for (int j = 0; j < c.promptIds().length; j++) {
                seq[row + lead + j] = c.promptIds()[j];
                attn[row + lead + j] = 1;
            }
            for (int j = 0; j < c.responseIds().length; j++) {
                seq[row + p + j] = c.responseIds()[j];
                attn[row + p + j] = 1;
            }
            truncated[i] = c.truncated();
            lengths[i] = c.responseIds().length;
        }
        return new Rollout(List.copyOf(completions), Ops.fromLongs(seq, b, p + n), Ops.fromLongs(attn, b, p + n), p, n,
                truncated, lengths, samplingLogProbs == null ? null : List.copyOf(samplingLogProbs));
    }

    /**
     * {@code [B, N]} float32 behaviour log-probs at the response tokens, 0 elsewhere; null when
     * not known.
     */
    Tensor samplingLogProbTensor() {
        if (samplingLogProbs == null) {
            return null;
        }
        int n = generatedLength;
        float[] out = new float[rows() * n];
        for (int i = 0; i < rows(); i++) {
            float[] lp = samplingLogProbs.get(i);
            System.arraycopy(lp, 0, out, i * n, Math.min(n, lp.length));
        }
        return org.rlaif4j.kernels.Tensors.fromFloats(out, rows(), n);
    }

    /** Rows {@code from} (inclusive) to {@code to} (exclusive), same widths (new tensors, in the caller's scope). */
    Rollout rows(int from, int to) {
        if (from < 0 || to > rows() || from >= to) {
            throw new IllegalArgumentException("rows: expected 0 <= from < to <= " + rows() + ", found " + from + ".." + to);
        }
        long[] idx = new long[to - from];
        Arrays.setAll(idx, i -> from + i);
        Tensor index = Ops.fromLongs(idx, idx.length);
        return new Rollout(List.copyOf(completions.subList(from, to)), seq.index_select(0, index),
                attn.index_select(0, index), promptLength, generatedLength,
                Arrays.copyOfRange(truncated, from, to), Arrays.copyOfRange(lengths, from, to),
                samplingLogProbs == null ? null : List.copyOf(samplingLogProbs.subList(from, to)));
    }
}
