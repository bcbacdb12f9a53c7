package org.rlaif4j.model.tokenizer;

/** Text to token ids and back. */
public interface Tokenizer extends AutoCloseable {
    /** Token ids of {@code text}, without adding special tokens. */
    long[] encode(String text);

    /** Text of {@code ids}; special tokens are dropped. */
    String decode(long[] ids);

    /** Ids run from 0 to vocabSize - 1. */
    int vocabSize();

    SpecialTokens specialTokens();

    @Override
    default void close() {}
}
