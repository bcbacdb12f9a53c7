package org.rlaif4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.model.safetensors.SafetensorsReader;

/**
 * The Hugging Face reference fixtures: the repository's own copy at {@code fixtures/hf-reference}
 * (so a fresh clone tests on its own), else {@code shared/fixtures/hf-reference} beside the
 * checkout, or the path in system property {@code rlaif.fixtures}.
 */
final class Fixtures {
    static final String GPT2 = "gpt2-tiny";
    static final String LLAMA = "llama-tiny-gqa";
    private static final Path ROOT = locate();

    private Fixtures() {}

    private static Path locate() {
        String prop = System.getProperty("rlaif.fixtures");
        if (prop != null) {
            return check(Path.of(prop));
        }
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            for (String rel : new String[] {"fixtures/hf-reference", "shared/fixtures/hf-reference"}) {
                Path candidate = p.resolve(rel);
                if (Files.isDirectory(candidate.resolve(GPT2))) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("fixtures not found: expected fixtures/hf-reference in the repository "
                + "or shared/fixtures/hf-reference beside it (searched upwards from " + here
                + "); set -Drlaif.fixtures=DIR to point elsewhere");
    }

    private static Path check(Path p) {
        if (!Files.isDirectory(p.resolve(GPT2)) || !Files.isDirectory(p.resolve(LLAMA))) {
            throw new IllegalStateException("fixtures: " + p + " does not hold " + GPT2 + " and " + LLAMA);
        }
        return p;
    }

    static Path dir(String name) {
        Path d = ROOT.resolve(name);
        if (!Files.isDirectory(d)) {
            throw new IllegalStateException("fixture folder missing: " + d);
        }
        return d;
    }

    /** {@code input_ids} of expected.json as a list of rows. */
    static List<long[]> inputIdRows(String name) {
        try {
            JsonNode root = new ObjectMapper().readTree(dir(name).resolve("expected.json").toFile());
            List<long[]> rows = new ArrayList<>();
            for (JsonNode row : root.get("input_ids")) {
                long[] r = new long[row.size()];
                for (int i = 0; i < r.length; i++) {
                    r[i] = row.get(i).asLong();
                }
                rows.add(r);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Tensor inputIds(String name) {
        List<long[]> rows = inputIdRows(name);
        int t = rows.get(0).length;
        long[] flat = new long[rows.size() * t];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, flat, i * t, t);
        }
        return Ops.fromLongs(flat, rows.size(), t);
    }

    static Tensor expectedLogits(String name) {
        try (SafetensorsReader r = SafetensorsReader.open(dir(name).resolve("expected_logits.safetensors"))) {
            return r.load("logits");
        }
    }

    static double maxAbsDiff(Tensor a, Tensor b) {
        float[] x = Ops.toFloats(a);
        float[] y = Ops.toFloats(b);
        if (x.length != y.length) {
            throw new AssertionError("sizes differ: " + x.length + " vs " + y.length);
        }
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            double d = Math.abs((double) x[i] - y[i]);
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            m = Math.max(m, d);
        }
        return m;
    }

    static void copyConfig(String name, Path to) throws IOException {
        Files.createDirectories(to);
        Files.copy(dir(name).resolve("config.json"), to.resolve("config.json"));
    }
}
