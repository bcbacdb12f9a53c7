package org.rlaif4j.model;

import java.nio.file.Path;
import java.util.Map;

/**
 * The user's prompt-format choices, the same for every stage of a run.
 *
 * @param chatForText    render text prompts through the chat template as one user message
 * @param templateKwargs extra chat-template variables (e.g. {@code enable_thinking})
 * @param templateFile   a Jinja file to use instead of the checkpoint's own chat template, or null
 */
public record PromptOptions(boolean chatForText, Map<String, Object> templateKwargs, Path templateFile) {
    /** Text stays text; conversations use the checkpoint's template with no extra variables. */
    public static final PromptOptions DEFAULT = new PromptOptions(false, Map.of());

    public PromptOptions {
        templateKwargs = Map.copyOf(templateKwargs);
    }

    /** Options with the checkpoint's own template. */
    public PromptOptions(boolean chatForText, Map<String, Object> templateKwargs) {
        this(chatForText, templateKwargs, null);
    }
}
