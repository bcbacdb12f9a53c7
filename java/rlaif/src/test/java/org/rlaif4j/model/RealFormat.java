package org.rlaif4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;

/**
 * The real-format fixtures (tiny Qwen3 / Llama 3.2 checkpoints with real tokenizers and chat
 * templates): the repository's {@code fixtures/real-format}, else {@code shared/fixtures/real-format}
 * above the working directory.
 */
public final class RealFormat {
    private static final Path ROOT = locate();

    private RealFormat() {}

    private static Path locate() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            for (String rel : new String[] {"fixtures/real-format", "shared/fixtures/real-format"}) {
                if (Files.isDirectory(p.resolve(rel).resolve("qwen3-tiny"))) {
                    return p.resolve(rel);
                }
            }
        }
        throw new IllegalStateException("fixtures/real-format not found above " + here);
    }

    /** A fixture folder such as {@code qwen3-tiny}, {@code llama32-tiny} or {@code chat}. */
    public static Path dir(String name) {
        Path d = ROOT.resolve(name);
        if (!Files.isDirectory(d)) {
            throw new IllegalStateException("fixture folder missing: " + d);
        }
        return d;
    }

    /** The {@code input_ids} rows of an expected.json as a [B, T] int64 tensor. */
    static Tensor inputIds(JsonNode expected) {
        JsonNode rows = expected.get("input_ids");
        int t = rows.get(0).size();
        long[] flat = new long[rows.size() * t];
        for (int i = 0; i < rows.size(); i++) {
            for (int j = 0; j < t; j++) {
                flat[i * t + j] = rows.get(i).get(j).asLong();
            }
        }
        return Ops.fromLongs(flat, rows.size(), t);
    }
}
