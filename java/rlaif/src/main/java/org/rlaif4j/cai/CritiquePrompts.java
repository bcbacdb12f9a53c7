package org.rlaif4j.cai;

/**
 * The texts the model continues in the critique stage, in the dialogue layout of Bai et al. (2022):
 * each round shows the prompt and the response under critique only (not earlier rounds), which
 * keeps the context of a small model short.
 *
 * <pre>
 * Human: {prompt}
 *
 * Assistant: {response}
 *
 * Critique request: {critique request}
 *
 * Critique:{ critique}
 *
 * Revision request: {revision request}
 *
 * Revision:
 * </pre>
 */
public final class CritiquePrompts {
    private CritiquePrompts() {
    }

    /** Asks for a critique: the model continues after {@code Critique:}. */
    public static String critique(String prompt, String response, String critiqueRequest) {
        return "Human: " + prompt + "\n\nAssistant: " + response + "\n\nCritique request: " + critiqueRequest
                + "\n\nCritique:";
    }

    /** Asks for a revision: the critique prompt, the critique, then the request; the model continues after {@code Revision:}. */
    public static String revision(String prompt, String response, String critiqueRequest, String critique,
                                  String revisionRequest) {
        return critique(prompt, response, critiqueRequest) + " " + critique.strip() + "\n\nRevision request: "
                + revisionRequest + "\n\nRevision:";
    }
}
