package org.rlaif4j.model;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/**
 * Output of {@link Generator#generate}: prompts left-padded to {@code promptLength}, followed by the
 * generated tokens (padding after a row's stop token).
 *
 * @param sequences     {@code [B, P + N]} int64
 * @param attentionMask {@code [B, P + N]} int64: 1 for prompt and generated tokens (stop token included)
 * @param logProbs      {@code [B, N]} float32: log-probability of each generated token under the model
 *                      (temperature 1, no top-k/top-p filtering); 0 after a row finished
 * @param promptLength  P, the padded prompt length
 * @param samplingLogProbs {@code [B, N]} float32: log-probability of each generated token under the
 *                      distribution it was drawn from (temperature, then top-k / top-p renormalised;
 *                      0 for greedy decoding): the behaviour policy's log-prob that importance
 *                      sampling corrections need; 0 after a row finished
 */
public record GenerationResult(Tensor sequences, Tensor attentionMask, Tensor logProbs, int promptLength,
        Tensor samplingLogProbs) {
    /** Number of generation steps N (columns after the prompt). */
    public int generatedLength() {
        return (int) sequences.size(1) - promptLength;
    }

    /** The generated tokens of {@code row}, up to and including its stop token. */
    public long[] generatedTokens(int row) {
        long[] all = Ops.toLongs(sequences.select(0, row));
        long[] mask = Ops.toLongs(attentionMask.select(0, row));
        int n = 0;
        while (promptLength + n < all.length && mask[promptLength + n] == 1) {
            n++;
        }
        return Arrays.copyOfRange(all, promptLength, promptLength + n);
    }

    /** Sampling-distribution log-probs of {@link #generatedTokens(int)} (see {@link #samplingLogProbs()}). */
    public float[] generatedSamplingLogProbs(int row) {
        float[] lp = Ops.toFloats(samplingLogProbs.select(0, row));
        return Arrays.copyOf(lp, generatedTokens(row).length);
    }

    /** Log-probs of {@link #generatedTokens(int)}. */
    public float[] generatedLogProbs(int row) {
        float[] lp = Ops.toFloats(logProbs.select(0, row));
        return Arrays.copyOf(lp, generatedTokens(row).length);
    }
}
