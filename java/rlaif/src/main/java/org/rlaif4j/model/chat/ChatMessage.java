package org.rlaif4j.model.chat;

import java.util.Set;

/** One turn of a conversation, as chat templates and TRL's conversational datasets hold it. */
public record ChatMessage(String role, String content) {
    /** Roles accepted in datasets and by {@code template}. */
    public static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool", "developer");

    public ChatMessage {
        if (role == null || !ROLES.contains(role)) {
            throw new IllegalArgumentException("role: expected one of " + ROLES + ", found " + role);
        }
        if (content == null) {
            throw new IllegalArgumentException("content: expected a string, found null");
        }
    }
}
