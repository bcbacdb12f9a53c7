package org.rlaif4j.model.tokenizer;

/** Text to token ids and back. */
public interface Tokenizer extends AutoCloseable {
    /** Token ids of {@code text}, without adding special tokens. */
    long[] encode(String text);

    /**
     * Token ids of {@code text} with the special tokens the tokenizer's own post-processor adds
     * (Hugging Face's {@code add_special_tokens=True}): {@code <|begin_of_text|>} for Llama 3,
     * nothing for GPT-2 or Qwen. The default adds none.
     */
    default long[] encodeWithSpecialTokens(String text) {
        return encode(text);
    }

    /** Text of {@code ids}; special tokens are dropped. */
    String decode(long[] ids);

    /** Ids run from 0 to vocabSize - 1. */
    int vocabSize();

    SpecialTokens specialTokens();

    @Override
    default void close() {}
}
