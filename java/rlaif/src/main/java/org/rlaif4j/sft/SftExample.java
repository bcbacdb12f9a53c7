package org.rlaif4j.sft;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.model.chat.ChatMessage;

/**
 * One supervised example, in any of TRL's dataset formats (one JSONL line each):
 * <ul>
 *   <li>prompt-completion: {@code {"prompt": "...", "response": "..."}} ({@code completion} is read
 *       too); the prompt may be a list of messages and the response a one-message assistant list;</li>
 *   <li>conversational: {@code {"messages": [{"role": ..., "content": ...}, ...]}}, every assistant
 *       turn trained.</li>
 * </ul>
 *
 * @param prompt       the prompt (unused for a conversation)
 * @param response     the response to learn (may be empty; unused for a conversation)
 * @param conversation the whole conversation, or null for a prompt-completion example
 */
public record SftExample(Prompt prompt, String response, List<ChatMessage> conversation) {
    public SftExample {
        if (conversation != null) {
            conversation = List.copyOf(conversation);
            if (conversation.stream().noneMatch(m -> m.role().equals("assistant"))) {
                throw new IllegalArgumentException("messages: expected at least one assistant turn to train on, found roles "
                        + conversation.stream().map(ChatMessage::role).toList());
            }
        } else if (prompt == null || response == null) {
            throw new IllegalArgumentException("prompt and response: expected both, found null");
        }
    }

    /** A text prompt and its response. */
    public SftExample(String prompt, String response) {
        this(prompt == null ? null : Prompt.text(prompt), response, null);
    }

    /** A prompt (text or messages) and its response. */
    public SftExample(Prompt prompt, String response) {
        this(prompt, response, null);
    }

    /** A whole conversation, every assistant turn trained. */
    public static SftExample conversation(List<ChatMessage> messages) {
        return new SftExample(null, null, messages);
    }

    public boolean isConversation() {
        return conversation != null;
    }

    public static SftExample fromJson(ObjectNode o) {
        if (o.has("messages")) {
            if (o.has("prompt")) {
                throw new DataFormatException("expected either \"messages\" (a conversation) or \"prompt\" with "
                        + "\"response\", found both");
            }
            List<ChatMessage> ms = Prompt.messages(o.get("messages"), "messages");
            if (ms.stream().noneMatch(m -> m.role().equals("assistant"))) {
                throw new DataFormatException("field 'messages': expected at least one assistant turn to train on, "
                        + "found roles " + ms.stream().map(ChatMessage::role).toList());
            }
            return conversation(ms);
        }
        String field = !o.has("response") && o.has("completion") ? "completion" : "response";
        return new SftExample(Prompt.fromJson(o, "prompt"), Prompt.response(o, field, true));
    }
}
