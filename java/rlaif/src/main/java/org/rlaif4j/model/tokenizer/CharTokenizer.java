package org.rlaif4j.model.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One token per character of a fixed alphabet, after four special tokens: {@code <pad>} = 0,
 * {@code <bos>} = 1, {@code <eos>} = 2, {@code <unk>} = 3 (any character outside the alphabet).
 * {@link #save} writes a Hugging Face {@code tokenizer.json} (WordLevel over single characters) that
 * {@link HfTokenizer} and the Python tokenizers library read back with the same ids.
 */
public final class CharTokenizer implements Tokenizer {
    public static final List<String> SPECIALS = List.of("<pad>", "<bos>", "<eos>", "<unk>");
    private static final int UNK = 3;

    private final String alphabet;
    private final Map<Integer, Integer> ids = new LinkedHashMap<>(); // code point -> id

    /** @param alphabet distinct characters (code points), in id order */
    public CharTokenizer(String alphabet) {
        this.alphabet = alphabet;
        int next = SPECIALS.size();
        for (int cp : alphabet.codePoints().toArray()) {
            if (ids.putIfAbsent(cp, next) != null) {
                throw new IllegalArgumentException("alphabet: character '" + Character.toString(cp) + "' appears twice");
            }
            next++;
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("alphabet: expected at least one character");
        }
    }

    public String alphabet() {
        return alphabet;
    }

    @Override
    public long[] encode(String text) {
        return text.codePoints().mapToLong(cp -> ids.getOrDefault(cp, UNK)).toArray();
    }

    /** The demo's convention (and its saved post-processor): {@code <bos>} then the characters. */
    @Override
    public long[] encodeWithSpecialTokens(String text) {
        long[] ids = encode(text);
        long[] out = new long[ids.length + 1];
        out[0] = specialTokens().bos();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    @Override
    public String decode(long[] tokens) {
        StringBuilder sb = new StringBuilder();
        int[] cps = alphabet.codePoints().toArray();
        for (long id : tokens) {
            if (id >= SPECIALS.size() && id < vocabSize()) {
                sb.appendCodePoint(cps[(int) id - SPECIALS.size()]);
            }
        }
        return sb.toString();
    }

    @Override
    public int vocabSize() {
        return SPECIALS.size() + ids.size();
    }

    @Override
    public SpecialTokens specialTokens() {
        return new SpecialTokens(1, 2, 0);
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir}. */
    public void save(Path dir) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < SPECIALS.size(); i++) {
            added.addObject().put("id", i).put("content", SPECIALS.get(i)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Split");
        pre.putObject("pattern").put("Regex", "[\\s\\S]"); // any character, newlines included
        pre.put("behavior", "Isolated");
        pre.put("invert", false);
        // BOS before every sequence, as encodeWithSpecialTokens does
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<bos>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<bos>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject("<bos>");
        bos.put("id", "<bos>");
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add("<bos>");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < SPECIALS.size(); i++) {
            vocab.put(SPECIALS.get(i), i);
        }
        ids.forEach((cp, id) -> vocab.put(Character.toString(cp), id));
        model.put("unk_token", "<unk>");
        ObjectNode cfg = json.createObjectNode();
        cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
        cfg.put("bos_token", "<bos>").put("eos_token", "<eos>").put("pad_token", "<pad>").put("unk_token", "<unk>");
        try {
            Files.createDirectories(dir);
            json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), root);
            json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer_config.json").toFile(), cfg);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write tokenizer", e);
        }
    }
}
