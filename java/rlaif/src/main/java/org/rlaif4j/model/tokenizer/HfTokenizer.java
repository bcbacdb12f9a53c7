package org.rlaif4j.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} run by the tokenizers library through DJL (its native
 * library ships in the jar; nothing is downloaded). Special tokens come from
 * {@code tokenizer_config.json} / {@code special_tokens_map.json} (token strings looked up in
 * tokenizer.json), falling back to the ids in {@code config.json} only where neither file names the
 * token (an explicit {@code null} means the tokenizer has none). Which special tokens a sequence
 * gets is decided by the tokenizer's own post-processor ({@link #encodeWithSpecialTokens}).
 */
public final class HfTokenizer implements Tokenizer {
    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final SpecialTokens special;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, int vocabSize, SpecialTokens special) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.special = special;
    }

    /** Loads {@code dir/tokenizer.json} and the special tokens of the checkpoint folder {@code dir}. */
    public static HfTokenizer load(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + ": no tokenizer.json");
        }
        ObjectMapper json = new ObjectMapper();
        try {
            JsonNode root = json.readTree(file.toFile());
            Map<String, Long> tokenIds = new HashMap<>();
            JsonNode vocab = root.path("model").path("vocab");
            if (vocab.isObject()) {
                vocab.fields().forEachRemaining(e -> tokenIds.put(e.getKey(), e.getValue().asLong()));
            } else if (vocab.isArray()) { // Unigram: [[piece, score], ...]
                for (int i = 0; i < vocab.size(); i++) {
                    tokenIds.put(vocab.get(i).path(0).asText(), (long) i);
                }
            }
            root.path("added_tokens").forEach(t -> tokenIds.put(t.path("content").asText(), t.path("id").asLong()));
            long max = tokenIds.values().stream().mapToLong(Long::longValue).max().orElse(-1);

            JsonNode model = readIfExists(json, dir.resolve("config.json"));
            JsonNode cfg = readIfExists(json, dir.resolve("tokenizer_config.json"));
            JsonNode map = readIfExists(json, dir.resolve("special_tokens_map.json"));
            SpecialTokens special = new SpecialTokens(
                    special("bos", cfg, map, model, tokenIds), special("eos", cfg, map, model, tokenIds),
                    special("pad", cfg, map, model, tokenIds));
            HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
            return new HfTokenizer(tok, (int) (max + 1), special);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot load tokenizer", e);
        }
    }

    private static JsonNode readIfExists(ObjectMapper json, Path p) throws IOException {
        return Files.isRegularFile(p) ? json.readTree(p.toFile()) : json.createObjectNode();
    }

    private static long special(String kind, JsonNode cfg, JsonNode map, JsonNode model, Map<String, Long> ids) {
        for (JsonNode src : new JsonNode[] {cfg, map}) {
            JsonNode t = src.path(kind + "_token");
            if (t.isNull()) {
                // "bos_token": null (Qwen) means none, not "ask config.json"
                return -1;
            }
            String content = t.isTextual() ? t.asText() : t.path("content").asText(null);
            if (content != null && ids.containsKey(content)) {
                return ids.get(content);
            }
        }
        JsonNode id = model.path(kind + "_token_id");
        if (id.isArray()) {
            id = id.path(0);
        }
        return id.isIntegralNumber() ? id.asLong() : -1;
    }

    @Override
    public long[] encode(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    @Override
    public long[] encodeWithSpecialTokens(String text) {
        return tokenizer.encode(text, true, false).getIds();
    }

    @Override
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public SpecialTokens specialTokens() {
        return special;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
