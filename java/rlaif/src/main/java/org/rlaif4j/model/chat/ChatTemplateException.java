package org.rlaif4j.model.chat;

/**
 * A chat template that cannot be parsed or that failed while rendering (including the template's own
 * {@code raise_exception}); the message names the template's source and line.
 */
public final class ChatTemplateException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ChatTemplateException(String message) {
        super(message);
    }
}
