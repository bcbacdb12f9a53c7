package org.rlaif4j.feedback;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.model.tokenizer.HfTokenizer;

/** Label and score token ids found by difference after the ending, on real and toy tokenizers. */
class ContinuationsTest {
    private static final List<String> SCORES = Constitution.DEFAULT_SCORE_TOKENS;

    @TempDir
    Path tmp;

    @Test
    void qwenSplitsTenIntoOneAndZeroAndTheScoresStayApart() {
        try (HfTokenizer qwen = HfTokenizer.load(RealFormat.dir(RealFormat.QWEN3))) {
            Continuations labels = Continuations.of(qwen, Constitution.DEFAULT_ENDING, List.of("1", "2"), true,
                    "label token", "qwen");
            long one = labels.sequences().get(0)[0];
            long two = labels.sequences().get(1)[0];
            assertNotEquals(one, two);
            assertEquals(List.of(List.of()), labels.prefixes(), "single tokens: read after the prompt only");

            Continuations scores = Continuations.of(qwen, Constitution.DEFAULT_SCORE_ENDING, SCORES, false,
                    "score token", "qwen");
            long zero = qwen.encode("Score=0")[qwen.encode("Score=").length];
            assertArrayEquals(new long[] {one}, scores.sequences().get(0));
            assertArrayEquals(new long[] {one, zero}, scores.sequences().get(9), "Qwen writes digits one by one");
            assertEquals(List.of(List.of(), List.of(one)), scores.prefixes());

            // P(1) = 0.5 after the prompt, P(0 | 1) = 0.4: score 10 gets 0.2 and score 1 the 0.3 that stops
            double[] lp = scores.logProbs((prefix, token) -> prefix == 0 ? (token == one ? Math.log(0.5) : Math.log(0.05))
                    : token == zero ? Math.log(0.4) : Math.log(0.01));
            assertEquals(Math.log(0.3), lp[0], 1e-12);
            assertEquals(Math.log(0.2), lp[9], 1e-12);
            assertEquals(Math.log(0.05), lp[4], 1e-12);
            // sure to go on: score 1 keeps only the floor, not -infinity
            double[] sure = scores.logProbs((prefix, token) -> prefix == 1 && token == zero ? 0.0 : Math.log(0.1));
            assertEquals(Math.log(Continuations.MIN_STOP) + Math.log(0.1), sure[0], 1e-9);

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Continuations.of(qwen,
                    Constitution.DEFAULT_SCORE_ENDING, SCORES, true, "score token", "qwen"));
            assertTrue(e.getMessage().startsWith("score token '10': expected a single token of the labeler's tokenizer "
                    + "(qwen) after the ending 'Score=', found 2 tokens [" + one + ", " + zero + "]"), e.getMessage());
        }
    }

    @Test
    void llama3KeepsTenWholeAndDistinctFromOne() {
        try (HfTokenizer llama = HfTokenizer.load(RealFormat.dir(RealFormat.LLAMA32))) {
            Continuations scores = Continuations.of(llama, Constitution.DEFAULT_SCORE_ENDING, SCORES, true,
                    "score token", "llama");
            long one = scores.sequences().get(0)[0];
            long ten = scores.sequences().get(9)[0];
            assertNotEquals(one, ten);
            assertArrayEquals(llama.encode("10"), new long[] {ten});
            assertEquals(List.of(List.of()), scores.prefixes(), "one position is read: no prefix is another score");
            double[] lp = scores.logProbs((prefix, token) -> token == one ? Math.log(0.6) : token == ten
                    ? Math.log(0.3) : Math.log(0.01));
            assertEquals(Math.log(0.6), lp[0], 1e-12);
            assertEquals(Math.log(0.3), lp[9], 1e-12);

            // a trailing space in the ending merges with a word label (" Yes"): refused, naming both encodings
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Continuations.of(llama,
                    "Answer: ", List.of("Yes", "No"), true, "label token", "llama"));
            assertTrue(e.getMessage().startsWith("label token 'Yes': expected the ending 'Answer: ' "
                    + java.util.Arrays.toString(llama.encode("Answer: ")) + " to stay a prefix of ending + token, found "
                    + java.util.Arrays.toString(llama.encode("Answer: Yes"))), e.getMessage());
        }
    }

    @Test
    void aSentencePieceStyleTokenizerGivesOtherIdsAloneThanAfterTheEnding() throws Exception {
        // Metaspace prepends "▁" to the text: "1" alone is "▁1", after "S=" it is the bare "1"
        Files.writeString(tmp.resolve("tokenizer.json"), """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
                 "normalizer": null,
                 "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": true},
                 "post_processor": null, "decoder": null,
                 "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                           "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
                           "vocab": {"\u2581": 0, "S": 1, "=": 2, "1": 3, "2": 4, "\u25811": 5, "\u25812": 6},
                           "merges": ["\u2581 1", "\u2581 2"]}}
                """);
        Files.writeString(tmp.resolve("config.json"), "{\"eos_token_id\": null, \"bos_token_id\": null}");
        try (HfTokenizer sp = HfTokenizer.load(tmp)) {
            assertArrayEquals(new long[] {5}, sp.encode("1"), "alone: with the prefix space");
            Continuations labels = Continuations.of(sp, "S=", List.of("1", "2"), true, "label token", "sp");
            assertArrayEquals(new long[] {3}, labels.sequences().get(0));
            assertArrayEquals(new long[] {4}, labels.sequences().get(1));
        }
    }

    @Test
    void theCharacterTokenizerReadsEveryCharacterAfterTheEnding() {
        Continuations scores = Continuations.of(TinyCheckpoints.TOKENIZER, "Score=", SCORES, false, "score token", "c");
        long one = TinyCheckpoints.TOKENIZER.encode("1")[0];
        assertEquals(2, scores.sequences().get(9).length);
        assertEquals(List.of(List.of(), List.of(one)), scores.prefixes());
        assertEquals(10, scores.columns().length, "the digits 1-9, and 0 after 1: each id read once");
    }
}
