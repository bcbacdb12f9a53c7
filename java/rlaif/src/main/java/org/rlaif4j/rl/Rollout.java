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
 */
record Rollout(List<Completion> completions, Tensor seq, Tensor attn, int promptLength, int generatedLength,
        boolean[] truncated, int[] lengths) {

    int rows() {
        return lengths.length;
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
                Arrays.copyOfRange(truncated, from, to), Arrays.copyOfRange(lengths, from, to));
    }
}
