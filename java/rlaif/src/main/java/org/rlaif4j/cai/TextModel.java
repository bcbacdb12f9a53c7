package org.rlaif4j.cai;

/**
 * Text in, text out: what the critique loop needs of a model. {@link LmTextModel} runs a local
 * checkpoint; tests script one.
 */
public interface TextModel {
    /**
     * A continuation of {@code prompt} of at most {@code maxNewTokens} tokens, special tokens dropped.
     *
     * @param seed fixes the draw, so the same call gives the same text
     */
    String complete(String prompt, int maxNewTokens, long seed);

    /** Recorded with the outputs (for example {@code local:<checkpoint folder>}). */
    String name();
}
