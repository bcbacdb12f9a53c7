package org.rlaif4j.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.model.PromptOptions;
import org.rlaif4j.model.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

/** How a command's model formats prompts: the shared flags of every stage that encodes prompts. */
final class PromptFlags {
    @Option(names = "--chat-template", description = "Render text prompts through the model's chat template too, "
            + "as one user message (conversational data always is).")
    boolean chatTemplate;

    @Option(names = "--chat-template-file", paramLabel = "FILE",
            description = "A Jinja chat template to use instead of the checkpoint's own (for a base model without one).")
    Path templateFile;

    @Option(names = "--template-kwargs", paramLabel = "JSON",
            description = "Extra chat-template variables as a JSON object, e.g. '{\"enable_thinking\": false}'.")
    String templateKwargs;

    /** The prompt format of the checkpoint {@code dir} under these flags. */
    PromptFormat open(Path dir, Tokenizer tokenizer, ModelConfig config) {
        return PromptFormat.load(dir, tokenizer, config, options());
    }

    PromptOptions options() {
        return new PromptOptions(chatTemplate, kwargs(templateKwargs), templateFile);
    }

    /** Parses the JSON object of {@code --template-kwargs}; null or blank is none. */
    static Map<String, Object> kwargs(String json) {
        return kwargs(json, "--template-kwargs");
    }

    /** Parses a JSON object of template variables given with {@code flag}; null or blank is none. */
    static Map<String, Object> kwargs(String json, String flag) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        ObjectMapper m = new ObjectMapper();
        try {
            JsonNode n = m.readTree(json);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException(flag + ": expected a JSON object, found "
                        + (n == null ? "nothing" : n.getNodeType()));
            }
            return m.convertValue(n, new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
