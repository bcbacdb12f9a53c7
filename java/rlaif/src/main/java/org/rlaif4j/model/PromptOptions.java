package org.rlaif4j.model;

import java.util.Map;

/**
 * The user's prompt-format choices, the same for every stage of a run.
 *
 * @param chatForText    render text prompts through the chat template as one user message
 * @param templateKwargs extra chat-template variables (e.g. {@code enable_thinking})
 */
public record PromptOptions(boolean chatForText, Map<String, Object> templateKwargs) {
    /** Text stays text; conversations use the template with no extra variables. */
    public static final PromptOptions DEFAULT = new PromptOptions(false, Map.of());

    public PromptOptions {
        templateKwargs = Map.copyOf(templateKwargs);
    }
}
