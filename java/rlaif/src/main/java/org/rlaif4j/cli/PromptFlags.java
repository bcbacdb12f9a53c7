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

    @Option(names = "--template-kwargs", paramLabel = "JSON",
            description = "Extra chat-template variables as a JSON object, e.g. '{\"enable_thinking\": false}'.")
    String templateKwargs;

    /** The prompt format of the checkpoint {@code dir} under these flags. */
    PromptFormat open(Path dir, Tokenizer tokenizer, ModelConfig config) {
        return PromptFormat.load(dir, tokenizer, config, options());
    }

    PromptOptions options() {
        return new PromptOptions(chatTemplate, kwargs(templateKwargs));
    }

    /** Parses a JSON object of template variables; null or blank is none. */
    static Map<String, Object> kwargs(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        ObjectMapper m = new ObjectMapper();
        try {
            JsonNode n = m.readTree(json);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("--template-kwargs: expected a JSON object, found "
                        + (n == null ? "nothing" : n.getNodeType()));
            }
            return m.convertValue(n, new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            throw new IllegalArgumentException("--template-kwargs: not valid JSON: " + e.getMessage());
        }
    }
}
