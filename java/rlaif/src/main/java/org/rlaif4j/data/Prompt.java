package org.rlaif4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.rlaif4j.model.chat.ChatMessage;

/**
 * A dataset prompt in either of TRL's formats: <em>standard</em> (a string) or
 * <em>conversational</em> (a list of {@code {"role", "content"}} messages). Exactly one of
 * {@code text} and {@code messages} is non-null. How a prompt becomes token ids is the model's
 * {@link org.rlaif4j.model.PromptFormat}'s business, not the dataset's.
 */
public record Prompt(String text, List<ChatMessage> messages) {
    public Prompt {
        if ((text == null) == (messages == null)) {
            throw new IllegalArgumentException("prompt: expected either a string or a list of messages");
        }
        if (messages != null) {
            messages = List.copyOf(messages);
            if (messages.isEmpty()) {
                throw new IllegalArgumentException("prompt: expected at least one message, found an empty list");
            }
        }
    }

    public static Prompt text(String text) {
        return new Prompt(text, null);
    }

    public static Prompt chat(List<ChatMessage> messages) {
        return new Prompt(null, messages);
    }

    /** True for the conversational format. */
    public boolean isChat() {
        return messages != null;
    }

    /**
     * The prompt as plain text: the string itself, or for a conversation its messages as
     * {@code "role: content"} paragraphs (what a labeler's comparison prompt quotes; a single user
     * message is quoted as its content alone).
     */
    public String asText() {
        if (text != null) {
            return text;
        }
        if (messages.size() == 1 && messages.get(0).role().equals("user")) {
            return messages.get(0).content();
        }
        return messages.stream().map(m -> m.role() + ": " + m.content()).collect(Collectors.joining("\n\n"));
    }

    /** A string that identifies the prompt (for matching records across files). */
    public String key() {
        return text != null ? text : Jsonl.toLine(toJson());
    }

    /** The JSON value of the {@code prompt} field: a string or an array of messages. */
    public JsonNode toJson() {
        return text != null ? TextNode.valueOf(text) : messagesJson(messages);
    }

    /** A list of messages as a JSON array. */
    public static ArrayNode messagesJson(List<ChatMessage> messages) {
        ArrayNode a = Jsonl.mapper().createArrayNode();
        messages.forEach(m -> a.addObject().put("role", m.role()).put("content", m.content()));
        return a;
    }

    /**
     * Reads a required prompt field: a non-empty string, or a non-empty list of messages.
     *
     * @throws DataFormatException naming the field, the message index and what was found
     */
    public static Prompt fromJson(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v != null && v.isArray()) {
            return chat(messages(v, field));
        }
        return text(Jsonl.requireString(o, field, false));
    }

    /** Parses a JSON array of {@code {"role", "content"}} objects with errors that name the index. */
    public static List<ChatMessage> messages(JsonNode array, String field) {
        if (array == null || !array.isArray()) {
            throw new DataFormatException("field '" + field + "' must be a list of messages, found "
                    + (array == null ? "nothing" : array.getNodeType()));
        }
        if (array.isEmpty()) {
            throw new DataFormatException("field '" + field + "' is an empty list of messages");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode m = array.get(i);
            String where = "field '" + field + "', message " + i;
            if (!m.isObject()) {
                throw new DataFormatException(where + ": expected an object with 'role' and 'content', found " + m.getNodeType());
            }
            JsonNode role = m.get("role");
            JsonNode content = m.get("content");
            if (role == null || !role.isTextual()) {
                throw new DataFormatException(where + ": expected a string 'role', found " + (role == null ? "nothing" : role));
            }
            if (!ChatMessage.ROLES.contains(role.asText())) {
                throw new DataFormatException(where + ": unknown role '" + role.asText() + "' (expected one of "
                        + ChatMessage.ROLES.stream().sorted().toList() + ")");
            }
            if (content == null || !content.isTextual()) {
                throw new DataFormatException(where + ": expected a string 'content', found "
                        + (content == null ? "nothing" : content.getNodeType()));
            }
            out.add(new ChatMessage(role.asText(), content.asText()));
        }
        return out;
    }

    /**
     * Reads a response field: a string, or (conversational format) a list holding one assistant
     * message whose content is the response.
     */
    public static String response(ObjectNode o, String field, boolean allowEmpty) {
        JsonNode v = o.get(field);
        if (v != null && v.isArray()) {
            List<ChatMessage> ms = messages(v, field);
            if (ms.size() != 1 || !ms.get(0).role().equals("assistant")) {
                throw new DataFormatException("field '" + field + "': expected one assistant message, found "
                        + ms.stream().map(ChatMessage::role).toList());
            }
            if (!allowEmpty && ms.get(0).content().isEmpty()) {
                throw new DataFormatException("field '" + field + "' is empty");
            }
            return ms.get(0).content();
        }
        return Jsonl.requireString(o, field, allowEmpty);
    }

    /** The JSON of a response in this prompt's format: a string, or a one-message assistant list. */
    public JsonNode responseJson(String response) {
        return isChat() ? messagesJson(List.of(new ChatMessage("assistant", response))) : TextNode.valueOf(response);
    }
}
