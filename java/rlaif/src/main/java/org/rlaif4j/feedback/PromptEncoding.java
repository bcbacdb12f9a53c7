package org.rlaif4j.feedback;

import org.rlaif4j.model.tokenizer.Tokenizer;

/** How prompts become token ids for a local model. */
public final class PromptEncoding {
    private PromptEncoding() {
    }

    /**
     * The tokens of {@code text}, after the BOS token when the tokenizer has one distinct from EOS
     * (Llama-style models are trained with it; GPT-2-style tokenizers, where BOS = EOS, are not).
     */
    public static long[] encode(Tokenizer tokenizer, String text) {
        long[] ids = tokenizer.encode(text);
        long bos = tokenizer.specialTokens().bos();
        if (bos < 0 || bos == tokenizer.specialTokens().eos()) {
            return ids;
        }
        long[] withBos = new long[ids.length + 1];
        withBos[0] = bos;
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }
}
