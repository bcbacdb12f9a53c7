package org.rlaif4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.model.chat.ChatMessage;
import org.rlaif4j.model.chat.ChatTemplate;
import org.rlaif4j.model.tokenizer.Tokenizer;

/**
 * How one model turns prompts and responses into token ids: the single encoding that every stage
 * (sft, critique, generate, label, train-rm, ppo and its rewarders, eval, serve, demo) uses, so the
 * reward model scores sequences shaped exactly like the ones the policy samples.
 *
 * <ul>
 *   <li>A text prompt gets the special tokens of the tokenizer's own post-processor (BOS for
 *       Llama 3, none for GPT-2 or Qwen); no heuristic.</li>
 *   <li>A conversational prompt (or a text prompt when {@link #chatForText} is on) is rendered by the
 *       checkpoint's chat template with {@code add_generation_prompt = true} and tokenized without
 *       adding special tokens (the template writes them), as {@code apply_chat_template} does.</li>
 *   <li>A response is its tokens followed by the end token (the tokenizer's eos) when it finished.</li>
 *   <li>Generation stops at {@link #stopIds}: generation_config.json eos ∪ config.json eos ∪ the
 *       tokenizer's eos.</li>
 * </ul>
 */
public final class PromptFormat {
    /** Renders a conversation to text; a checkpoint's chat template. */
    @FunctionalInterface
    public interface ChatRenderer {
        String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, Object> kwargs);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Tokenizer tokenizer;
    private final ChatRenderer chat;
    private final boolean chatForText;
    private final Map<String, Object> templateKwargs;
    private final Set<Long> stopIds;
    private final long endToken;
    private final String source;

    private PromptFormat(Tokenizer tokenizer, ChatRenderer chat, boolean chatForText, Map<String, Object> templateKwargs,
            Set<Long> stopIds, String source) {
        if (chatForText && chat == null) {
            throw new IllegalArgumentException(source + ": a chat template was asked for, but the checkpoint has none "
                    + "(expected chat_template in tokenizer_config.json or a chat_template.jinja file)");
        }
        this.tokenizer = tokenizer;
        this.chat = chat;
        this.chatForText = chatForText;
        this.templateKwargs = Map.copyOf(templateKwargs);
        this.stopIds = Set.copyOf(stopIds);
        this.endToken = tokenizer.specialTokens().eos();
        this.source = source;
    }

    /** A plain format over {@code tokenizer}: no chat template, stops at the tokenizer's eos. */
    public static PromptFormat plain(Tokenizer tokenizer) {
        long eos = tokenizer.specialTokens().eos();
        return new PromptFormat(tokenizer, null, false, Map.of(), eos >= 0 ? Set.of(eos) : Set.of(), "tokenizer");
    }

    /**
     * The format of the checkpoint folder {@code dir}, with its tokenizer already loaded.
     *
     * @param chatForText    render text prompts through the chat template too (as one user message)
     * @param templateKwargs extra template variables, e.g. {@code enable_thinking}
     */
    public static PromptFormat load(Path dir, Tokenizer tokenizer, ModelConfig config, boolean chatForText,
            Map<String, Object> templateKwargs) {
        Set<Long> stops = new LinkedHashSet<>();
        eosIds(dir.resolve("generation_config.json"), stops);
        if (config != null) {
            config.eosTokenIds().forEach(e -> stops.add((long) e));
        }
        if (tokenizer.specialTokens().eos() >= 0) {
            stops.add(tokenizer.specialTokens().eos());
        }
        return new PromptFormat(tokenizer, ChatTemplate.load(dir), chatForText, templateKwargs, stops, dir.toString());
    }

    /** The format of {@code dir} under the user's {@code options}. */
    public static PromptFormat load(Path dir, Tokenizer tokenizer, ModelConfig config, PromptOptions options) {
        if (options.templateFile() != null) {
            return load(dir, tokenizer, config, false, options.templateKwargs())
                    .withChat(ChatTemplate.fromFile(options.templateFile(), dir), options.chatForText());
        }
        return load(dir, tokenizer, config, options.chatForText(), options.templateKwargs());
    }

    /** {@link #load(Path, Tokenizer, ModelConfig, boolean, Map)} with text prompts kept as text. */
    public static PromptFormat load(Path dir, Tokenizer tokenizer, ModelConfig config) {
        return load(dir, tokenizer, config, false, Map.of());
    }

    /** The same format with another renderer (tests, or a template given on the command line). */
    public PromptFormat withChat(ChatRenderer renderer, boolean forText) {
        return new PromptFormat(tokenizer, renderer, forText, templateKwargs, stopIds, source);
    }

    private static void eosIds(Path file, Set<Long> out) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            JsonNode e = JSON.readTree(file.toFile()).path("eos_token_id");
            if (e.isIntegralNumber()) {
                out.add(e.asLong());
            } else if (e.isArray()) {
                e.forEach(x -> {
                    if (!x.isIntegralNumber()) {
                        throw new IllegalArgumentException(file + ": eos_token_id: expected integers, found " + x);
                    }
                    out.add(x.asLong());
                });
            } else if (!e.isMissingNode() && !e.isNull()) {
                throw new IllegalArgumentException(file + ": eos_token_id: expected an integer or a list, found " + e);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(file + ": cannot read", ex);
        }
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Whether a chat template is available. */
    public boolean hasChatTemplate() {
        return chat != null;
    }

    /** Token ids at which generation stops (the stop token is kept as the response's last token). */
    public Set<Long> stopIds() {
        return stopIds;
    }

    /** The token that ends a finished response (the tokenizer's eos), or -1. */
    public long endToken() {
        return endToken;
    }

    /** Left-padding id: the tokenizer's pad, else eos, else 0. */
    public long padId() {
        return tokenizer.specialTokens().padOrEos();
    }

    /** The token ids a model is given for {@code prompt} before it generates the response. */
    public long[] promptIds(Prompt prompt) {
        if (prompt.isChat()) {
            return chatIds(prompt.messages());
        }
        if (chatForText) {
            return chatIds(List.of(new ChatMessage("user", prompt.text())));
        }
        return textIds(prompt.text());
    }

    /** Shorthand for a text prompt. */
    public long[] promptIds(String text) {
        return promptIds(Prompt.text(text));
    }

    /** Text with the tokenizer's post-processor (BOS where it adds one, never a trailing EOS). */
    public long[] textIds(String text) {
        long[] ids = tokenizer.encodeWithSpecialTokens(text);
        if (ids.length > 0 && stopIds.contains(ids[ids.length - 1])) {
            long[] plain = tokenizer.encode(text);
            if (plain.length == 0 || plain[plain.length - 1] != ids[ids.length - 1]) {
                ids = Arrays.copyOf(ids, ids.length - 1); // a post-processor that appends EOS (T5-style)
            }
        }
        return ids;
    }

    /** The rendered generation prompt of a conversation. */
    public String renderChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (chat == null) {
            throw new IllegalArgumentException(source + ": the prompt is conversational (a list of messages), but the "
                    + "checkpoint has no chat template (expected chat_template in tokenizer_config.json or chat_template.jinja)");
        }
        return chat.render(messages, addGenerationPrompt, templateKwargs);
    }

    private long[] chatIds(List<ChatMessage> messages) {
        return tokenizer.encode(renderChat(messages, true));
    }

    /** Tokens of a response, plus the end token when {@code finished} (and the tokenizer has one). */
    public long[] responseIds(String response, boolean finished) {
        long[] r = tokenizer.encode(response);
        if (!finished || endToken < 0) {
            return r;
        }
        long[] out = Arrays.copyOf(r, r.length + 1);
        out[r.length] = endToken;
        return out;
    }

    /**
     * A multi-turn conversation for SFT: token segments in order, each marked trained (an assistant
     * turn as the template writes it, up to and including its end marker) or not (the template's text
     * around it). A turn's trained tokens are the template's render of the conversation up to that
     * turn minus the render of its generation prompt, as TRL splits prompt and completion. When the
     * template renders earlier turns differently from how they were generated (Qwen3 drops past
     * reasoning), a conversation cannot be one sequence; then each such turn starts a new example.
     *
     * @return one or more examples, each a list of segments
     */
    public List<List<Segment>> conversation(List<ChatMessage> messages) {
        List<List<Segment>> examples = new ArrayList<>();
        List<Segment> current = new ArrayList<>();
        long[] seq = new long[0];
        boolean anyAssistant = false;
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).role().equals("assistant")) {
                continue;
            }
            if (i == 0) {
                throw new IllegalArgumentException("messages: the first message is an assistant turn; expected a user "
                        + "(or system) message before it");
            }
            anyAssistant = true;
            long[] prefix = promptIds(Prompt.chat(messages.subList(0, i)));
            long[] full = tokenizer.encode(renderChat(messages.subList(0, i + 1), false));
            long[] answer = startsWith(full, prefix) && full.length > prefix.length
                    ? Arrays.copyOfRange(full, prefix.length, full.length)
                    : responseIds(messages.get(i).content(), true); // a template whose turn is not its prompt's sequel
            if (!startsWith(prefix, seq)) {
                examples.add(current);
                current = new ArrayList<>();
                seq = new long[0];
            }
            current.add(new Segment(Arrays.copyOfRange(prefix, seq.length, prefix.length), false));
            current.add(new Segment(answer, true));
            long[] next = Arrays.copyOf(prefix, prefix.length + answer.length);
            System.arraycopy(answer, 0, next, prefix.length, answer.length);
            seq = next;
        }
        if (!anyAssistant) {
            throw new IllegalArgumentException("messages: expected at least one assistant turn to train on, found roles "
                    + messages.stream().map(ChatMessage::role).toList());
        }
        examples.add(current);
        examples.removeIf(List::isEmpty);
        return examples;
    }

    /** A run of tokens of a training sequence; {@code trained} tokens are predicted with a loss. */
    public record Segment(long[] ids, boolean trained) {}

    private static boolean startsWith(long[] a, long[] prefix) {
        return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
    }
}
