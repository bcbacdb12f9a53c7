package org.rlaif4j.feedback;

/** What a labeler with a known context size does with a comparison whose prompt does not fit. */
public enum TooLongPolicy {
    /** Stop with an error naming the pair and both lengths (the default). */
    FAIL,
    /**
     * Drop the start of the context (marked with "..."), keeping the part nearest the responses;
     * if that is not enough, also cut the ends of both responses to the same length (marked "...").
     * The label records {@code truncated = true}; the preference record keeps the full texts.
     */
    TRUNCATE
}
