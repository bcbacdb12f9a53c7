package org.rlaif4j.feedback;

/** Which OpenAI-compatible endpoint {@link OpenAiCompatibleLabeler} speaks. */
public enum ServerApi {
    /** {@code POST /v1/completions}: the prompt as text, label read as the next token after it (the default). */
    COMPLETIONS,
    /**
     * {@code POST /v1/chat/completions}: the prompt as messages (the constitution's preamble as the
     * system message, the rest as one user message), rendered by the server's chat template; the
     * label is the first token of the assistant's answer.
     */
    CHAT
}
