package org.rlaif4j.feedback;

import java.util.Locale;

/** How a {@link Constitution}'s principles enter each comparison. */
public enum PrincipleMode {
    /** Every principle is listed in one prompt. */
    ALL,
    /** One principle per comparison, drawn from the pair id (Constitutional AI); reruns draw the same one. */
    SAMPLE,
    /** {@code ensemble_size} distinct principles per comparison, one prompt each; their probabilities are averaged. */
    ENSEMBLE;

    /** Parses the JSON spelling ({@code all}, {@code sample}, {@code ensemble}). */
    public static PrincipleMode parse(String s) {
        for (PrincipleMode m : values()) {
            if (m.name().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("principle_mode: expected one of all, sample, ensemble, found '" + s + "'");
    }

    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
