package org.rlaif4j.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.rlaif4j.feedback.Constitution;

/**
 * The demo's constitution ({@code demo-constitution.json} beside this class): helpful, harmless and
 * honest principles, one sampled per comparison, kept short because the labeler is a tiny
 * character-level model that reads every character of it.
 */
public final class DemoConstitution {
    public static final String RESOURCE = "demo-constitution.json";

    private DemoConstitution() {}

    public static Constitution load() {
        try (InputStream in = DemoConstitution.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the jar");
            }
            return Constitution.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
