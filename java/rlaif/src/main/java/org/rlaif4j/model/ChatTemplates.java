package org.rlaif4j.model;

import java.nio.file.Path;

/** Finds a checkpoint's chat template (until the Jinja renderer lands: none). */
final class ChatTemplates {
    private ChatTemplates() {}

    static PromptFormat.ChatRenderer load(Path dir) {
        return null;
    }
}
