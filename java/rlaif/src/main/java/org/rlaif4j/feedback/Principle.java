package org.rlaif4j.feedback;

/** One principle of a {@link Constitution}: a short name (recorded with labels) and the text shown to the labeler. */
public record Principle(String name, String text) {
    public Principle {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("principle name: expected a non-empty string, found " + quoted(name));
        }
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("principle '" + name + "' text: expected a non-empty string, found "
                    + quoted(text));
        }
    }

    private static String quoted(String s) {
        return s == null ? "nothing" : "'" + s + "'";
    }
}
