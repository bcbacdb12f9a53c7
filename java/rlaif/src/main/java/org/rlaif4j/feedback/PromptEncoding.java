package org.rlaif4j.feedback;

import org.rlaif4j.model.tokenizer.Tokenizer;

/** How prompts become token ids for a local model. */
public final class PromptEncoding {
    private PromptEncoding() {
    }

    /**
     * The tokens of a text prompt as {@link org.rlaif4j.model.PromptFormat#textIds} gives them: the
     * special tokens of the tokenizer's own post-processor (BOS for Llama 3, none for GPT-2 or Qwen).
     */
    public static long[] encode(Tokenizer tokenizer, String text) {
        return org.rlaif4j.model.PromptFormat.plain(tokenizer).textIds(text);
    }
}
