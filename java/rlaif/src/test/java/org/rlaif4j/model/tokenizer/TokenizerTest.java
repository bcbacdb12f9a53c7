package org.rlaif4j.model.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
    @TempDir
    Path tmp;

    @Test
    void charTokenizerRoundTripsAndMapsUnknownCharacters() {
        CharTokenizer t = new CharTokenizer("abc xyz.");
        assertEquals(12, t.vocabSize());
        assertArrayEquals(new long[] {4, 5, 6, 7, 8}, t.encode("abc x"));
        assertArrayEquals(new long[] {4, 3, 11}, t.encode("aQ."));
        assertEquals("abc x", t.decode(new long[] {1, 4, 5, 6, 7, 8, 2, 0}), "specials are dropped");
        assertEquals(new SpecialTokens(1, 2, 0), t.specialTokens());
        assertThrows(IllegalArgumentException.class, () -> new CharTokenizer("aba"));
    }

    /** The tokenizers native library works offline on a tokenizer.json written here. */
    @Test
    void hfTokenizerReadsTheCharTokenizersFileWithTheSameIds() {
        CharTokenizer chars = new CharTokenizer("abcdefghij .,!");
        chars.save(tmp);
        try (HfTokenizer hf = HfTokenizer.load(tmp)) {
            String text = "hello, a big deed!";
            String known = "bad, big cafe. jig!";
            assertArrayEquals(chars.encode(known), hf.encode(known));
            assertEquals(known, hf.decode(hf.encode(known)));
            assertEquals(chars.encode(text).length, hf.encode(text).length);
            assertEquals(3L, hf.encode("z")[0], "unknown characters map to <unk>");
            assertEquals(chars.vocabSize(), hf.vocabSize());
            assertEquals(new SpecialTokens(1, 2, 0), hf.specialTokens());
        }
    }

    @Test
    void hfTokenizerRunsAWordLevelModelAndFallsBackToConfigIds() throws Exception {
        Files.writeString(tmp.resolve("tokenizer.json"), """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [{"id": 0, "content": "[UNK]", "single_word": false, "lstrip": false,
                                   "rstrip": false, "normalized": false, "special": true}],
                 "normalizer": {"type": "Lowercase"},
                 "pre_tokenizer": {"type": "Whitespace"},
                 "post_processor": null,
                 "decoder": null,
                 "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "the": 1, "cat": 2, "sat": 3, "</s>": 4},
                           "unk_token": "[UNK]"}}
                """);
        Files.writeString(tmp.resolve("config.json"), "{\"eos_token_id\": 4, \"bos_token_id\": null}");
        try (HfTokenizer hf = HfTokenizer.load(tmp)) {
            assertArrayEquals(new long[] {1, 2, 3, 0}, hf.encode("The cat SAT dog"));
            assertEquals(5, hf.vocabSize());
            assertEquals(new SpecialTokens(-1, 4, -1), hf.specialTokens());
            assertEquals(4, hf.specialTokens().padOrEos());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(tmp.resolve("none")));
        assertTrue(e.getMessage().contains("no tokenizer.json"));
    }
}
