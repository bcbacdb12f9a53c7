package org.rlaif4j.feedback;

/** One response to score directly; {@code id} seeds the principle draw like a pair id. */
public record ResponseToScore(String id, String prompt, String response) {
    public ResponseToScore {
        if (id == null || prompt == null || response == null) {
            throw new IllegalArgumentException("id, prompt and response must be given");
        }
    }
}
