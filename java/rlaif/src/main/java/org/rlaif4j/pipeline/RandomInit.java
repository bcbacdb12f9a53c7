package org.rlaif4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.tokenizer.CharTokenizer;
import org.rlaif4j.train.CheckpointDirs;

/**
 * The {@code init} stage: a randomly initialised model from a {@code config.json}-style file and a
 * character tokenizer, for examples and smoke runs that need no download. {@code vocab_size} is
 * filled in from the tokenizer (4 special tokens, then the alphabet; pad 0, bos 1, eos 2).
 *
 * @param alphabet the tokenizer's characters; default newline and printable ASCII
 */
record RandomInit(Path configFile, ObjectNode modelConfig, String alphabet, long seed) {
    static final String PRINTABLE;

    static {
        StringBuilder b = new StringBuilder("\n");
        for (char c = 32; c < 127; c++) {
            b.append(c);
        }
        PRINTABLE = b.toString();
    }

    /** Reads the {@code init} section, adding problems to {@code errors}; null when it cannot be used. */
    static RandomInit fromConfig(ObjectNode init, Path baseDir, List<String> errors) {
        for (Iterator<String> it = init.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!PipelinePlan.INIT.contains(k)) {
                errors.add("init." + k + ": unknown key (expected one of " + new java.util.TreeSet<>(PipelinePlan.INIT) + ")");
            }
        }
        JsonNode cfg = init.get("config");
        JsonNode alphabet = init.get("alphabet");
        JsonNode seed = init.get("seed");
        if (alphabet != null && (!alphabet.isTextual() || alphabet.asText().isEmpty())) {
            errors.add("init.alphabet: expected a non-empty string, found " + alphabet);
            return null;
        }
        if (seed != null && !seed.isIntegralNumber()) {
            errors.add("init.seed: expected an integer, found " + seed);
            return null;
        }
        if (cfg == null || !cfg.isTextual()) {
            errors.add("init.config: expected the path of a config.json, found " + (cfg == null ? "nothing" : cfg));
            return null;
        }
        Path file = baseDir.resolve(cfg.asText()).normalize();
        try {
            JsonNode n = Jsonl.mapper().readTree(Files.readString(file));
            if (!(n instanceof ObjectNode o)) {
                errors.add("init.config: expected a JSON object in " + file);
                return null;
            }
            RandomInit ri = new RandomInit(file, o, alphabet == null ? PRINTABLE : alphabet.asText(),
                    seed == null ? 0 : seed.asLong());
            ri.config(); // checks it
            return ri;
        } catch (IOException e) {
            errors.add("init.config: missing or unreadable file " + file);
        } catch (IllegalArgumentException e) {
            errors.add("init.config: " + file + ": " + e.getMessage());
        }
        return null;
    }

    CharTokenizer tokenizer() {
        return new CharTokenizer(alphabet);
    }

    ModelConfig config() {
        ObjectNode n = modelConfig.deepCopy();
        int vocab = tokenizer().vocabSize();
        if (n.has("vocab_size") && n.get("vocab_size").asInt() != vocab) {
            throw new IllegalArgumentException("vocab_size: expected " + vocab + " (the tokenizer's) or left out, found "
                    + n.get("vocab_size"));
        }
        n.put("vocab_size", vocab);
        return ModelConfig.fromJson(n);
    }

    String fingerprint() {
        return Jsonl.toLine(modelConfig) + "\u0000" + alphabet + "\u0000" + seed;
    }

    /** Writes the model and tokenizer into {@code dir} atomically (a temporary folder renamed). */
    void write(Path dir) {
        try {
            Files.createDirectories(dir.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir.getParent(), e);
        }
        CheckpointDirs.writeDir(dir, d -> {
            CausalLm.random(config(), seed).save(d);
            tokenizer().save(d);
        });
    }
}
