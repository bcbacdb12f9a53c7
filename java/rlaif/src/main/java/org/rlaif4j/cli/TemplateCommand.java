package org.rlaif4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.model.chat.ChatMessage;
import org.rlaif4j.model.tokenizer.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code rlaif4j template}: a conversation rendered by a checkpoint's chat template, exactly as the
 * stages see it, to check a template (or {@code --chat-template-file}) before training on it.
 */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = "Render a conversation with a checkpoint's chat template (as apply_chat_template does) and "
                + "print the text, or with --ids its token ids.")
public final class TemplateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Checkpoint folder (tokenizer.json, tokenizer_config.json).")
    Path model;

    @Option(names = "--messages", required = true, paramLabel = "FILE",
            description = "JSON file: a list of {\"role\", \"content\"} messages, or an object with \"messages\".")
    Path messages;

    @Option(names = "--add-generation-prompt", description = "End with the assistant turn's opening, as prompts do.")
    boolean addGenerationPrompt;

    @Option(names = "--kwargs", paramLabel = "JSON", description = "Template variables, e.g. '{\"enable_thinking\": false}'.")
    String kwargs;

    @Option(names = "--chat-template-file", paramLabel = "FILE", description = "A Jinja template to use instead of the checkpoint's.")
    Path templateFile;

    @Option(names = "--ids", description = "Print the token ids (the text tokenized without added special tokens) as JSON.")
    boolean ids;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter pw = spec.commandLine().getOut();
        List<ChatMessage> conv = read(messages);
        try (HfTokenizer tok = HfTokenizer.load(model)) {
            PromptFormat f = PromptFormat.load(model, tok, Files.isRegularFile(model.resolve("config.json"))
                    ? ModelConfig.load(model) : null, new org.rlaif4j.model.PromptOptions(false,
                    PromptFlags.kwargs(kwargs, "--kwargs"), templateFile));
            String text = f.renderChat(conv, addGenerationPrompt);
            if (ids) {
                pw.println(Arrays.stream(tok.encode(text)).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]")));
            } else {
                pw.print(text);
            }
        }
        pw.flush();
        return 0;
    }

    private static List<ChatMessage> read(Path file) {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw new UncheckedIOException(file + ": no such file", e);
            }
            throw new DataFormatException(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        JsonNode list = n != null && n.isObject() ? n.get("messages") : n;
        try {
            return Prompt.messages(list, "messages");
        } catch (DataFormatException e) {
            throw new DataFormatException(file + ": " + e.getMessage());
        }
    }
}
