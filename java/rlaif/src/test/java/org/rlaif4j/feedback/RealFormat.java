package org.rlaif4j.feedback;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real-format fixtures ({@code fixtures/real-format}: real tokenizers, tiny bf16 checkpoints), found upwards from the working directory. */
final class RealFormat {
    static final String QWEN3 = "qwen3-tiny";
    static final String LLAMA32 = "llama32-tiny";

    private RealFormat() {
    }

    static Path dir(String name) {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            Path d = p.resolve("fixtures/real-format").resolve(name);
            if (Files.isRegularFile(d.resolve("tokenizer.json"))) {
                return d;
            }
        }
        throw new IllegalStateException("fixture fixtures/real-format/" + name + " not found upwards from " + here);
    }
}
