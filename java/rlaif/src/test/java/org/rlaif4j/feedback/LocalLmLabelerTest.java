package org.rlaif4j.feedback;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.tokenizer.HfTokenizer;

class LocalLmLabelerTest {
    @TempDir
    Path tmp;

    static final Constitution SMALL = Constitution.parse("""
            {"preamble": "Pick the better reply.",
             "principles": [{"name": "kind", "text": "Be kind."}, {"name": "true", "text": "Be true."}],
             "exemplars": [{"context": "Hi", "response_1": "Hello", "response_2": "Bye", "preferred": "1"}],
             "score_tokens": ["1", "2", "3", "4", "5"]}
            """, "small");
    static final List<PairRecord> PAIRS = List.of(
            new PairRecord("a", "What is 2+2?", "4", "It is 5, I think."),
            new PairRecord("b", "Name a colour.", "Blue is a nice colour.", "No."),
            new PairRecord("c", "Say hi", "hi!", "hello there, friend"));

    private static LocalLmLabeler labeler(CausalLm lm, Constitution c, LabelerOptions o) {
        return new LocalLmLabeler(lm, TinyCheckpoints.TOKENIZER, "tiny", c, o);
    }

    @Test
    void batchedBothOrderScoringMatchesScoringEachPromptAlone() {
        LocalLmLabeler l = labeler(TinyCheckpoints.model(512, 5), SMALL, LabelerOptions.defaults());
        List<PreferenceLabel> batched = l.label(PAIRS);
        for (int i = 0; i < PAIRS.size(); i++) {
            PreferenceLabel alone = l.label(List.of(PAIRS.get(i))).get(0);
            assertEquals(alone.pAAb(), batched.get(i).pAAb(), 1e-5, "pair " + i + " A first");
            assertEquals(alone.pABa(), batched.get(i).pABa(), 1e-5, "pair " + i + " B first");
            assertEquals((alone.pAAb() + alone.pABa()) / 2, batched.get(i).pA(), 1e-5);
            assertNotEquals(0.5, batched.get(i).pA(), 1e-4, "a random model should not be exactly indifferent");
        }
        // the last-position shortcut agrees with a full forward pass of one prompt alone
        PairRecord p = PAIRS.get(1);
        String prompt = PreferencePrompts.comparison(SMALL, SMALL.principlesFor(p.id()), p.prompt().asText(), p.responseB(),
                p.responseA(), false);
        double[] viaLabeler = l.continuationLogProbs(List.of(prompt, "short"), SMALL.ending(), SMALL.labelTokens())[0];
        long[] ids = TinyCheckpoints.TOKENIZER.encode(prompt);
        long[] withBos = new long[ids.length + 1];
        withBos[0] = 1;
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor logits = l.model().logits(Ops.fromLongs(withBos, 1, withBos.length), null);
            float[] ref = Ops.toFloats(torch.log_softmax(logits.select(1, withBos.length - 1), -1).squeeze(0));
            long one = TinyCheckpoints.TOKENIZER.encode("1")[0];
            long two = TinyCheckpoints.TOKENIZER.encode("2")[0];
            assertEquals(ref[(int) one], viaLabeler[0], 1e-5);
            assertEquals(ref[(int) two], viaLabeler[1], 1e-5);
        }
        assertEquals(1 - batched.get(1).pABa(), PreferenceMath.firstOfTwo(viaLabeler[0], viaLabeler[1]), 1e-5,
                "B-first prompt of pair b gives P(1|B,A) = 1 - p_a_ba");
    }

    @Test
    void labelTokensThatAreNotSingleTokensAreRejectedClearly() {
        Constitution words = Constitution.parse("{\"preamble\": \"p\", \"principle_mode\": \"all\", "
                + "\"label_tokens\": [\"first\", \"2\"]}", "words");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> labeler(TinyCheckpoints.model(64, 1), words, LabelerOptions.defaults()));
        assertTrue(e.getMessage().startsWith("label token 'first': expected a single token of the labeler's tokenizer "
                + "(tiny) after the ending 'Preferred Response=', found 5 tokens"), e.getMessage());
    }

    @Test
    void multiTokenScoresAreTeacherForcedAndOneIsNeverMergedWithTen() {
        // the character tokenizer writes "10" as "1" "0": P(10) = P(1) P(0 | 1), P(score 1) = P(1) (1 - P(0 | 1))
        Constitution c = Constitution.parse("{\"preamble\": \"p\", \"principle_mode\": \"all\"}", "d");
        LocalLmLabeler l = labeler(TinyCheckpoints.model(512, 3), c, LabelerOptions.defaults());
        String prompt = PreferencePrompts.score(c, List.of(), "q", "an answer");
        double[] got = l.continuationLogProbs(List.of(prompt, "x" + prompt), c.scoreEnding(), c.scoreTokens())[0];
        float[] first = lastLogProbs(l, prompt);
        float[] afterOne = lastLogProbs(l, prompt + "1");
        int one = (int) TinyCheckpoints.TOKENIZER.encode("1")[0];
        int zero = (int) TinyCheckpoints.TOKENIZER.encode("0")[0];
        assertEquals(first[one] + afterOne[zero], got[9], 1e-5, "10");
        assertEquals(first[one] + Math.log(1 - Math.exp(afterOne[zero])), got[0], 1e-5, "1");
        for (int k = 2; k <= 9; k++) {
            assertEquals(first[(int) TinyCheckpoints.TOKENIZER.encode(Integer.toString(k))[0]], got[k - 1], 1e-5, "" + k);
        }
        // the ten continuations are disjoint, so their probabilities add up to at most 1
        assertTrue(java.util.Arrays.stream(got).map(Math::exp).sum() <= 1 + 1e-6);
        DirectScore s = l.score(List.of(new ResponseToScore("r", "q", "an answer"))).get(0);
        DirectScore want = PreferenceMath.directScore(got);
        assertEquals(want.expected(), s.expected(), 1e-5);
        assertTrue(s.reward() >= -1 && s.reward() <= 1);
    }

    /** Log-probs of the next token after {@code text} (BOS first), from a full forward pass. */
    static float[] lastLogProbs(LocalLmLabeler l, String text) {
        long[] ids = PromptEncoding.encode(TinyCheckpoints.TOKENIZER, text);
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor logits = l.model().logits(Ops.fromLongs(ids, 1, ids.length), null);
            return Ops.toFloats(torch.log_softmax(logits.select(1, ids.length - 1), -1).squeeze(0));
        }
    }

    @Test
    void loadsASavedCheckpointAndScoresDirectly() {
        Path dir = TinyCheckpoints.save(tmp.resolve("labeler"), 512, 32, 2, 9);
        try (LocalLmLabeler loaded = LocalLmLabeler.load(dir, SMALL, LabelerOptions.defaults())) {
            assertEquals("local:" + dir, loaded.name());
            LocalLmLabeler inMemory = labeler(CausalLm.load(dir), SMALL, LabelerOptions.defaults());
            assertEquals(inMemory.label(PAIRS).get(0).pA(), loaded.label(PAIRS).get(0).pA(), 1e-6);
            List<DirectScore> s = loaded.score(List.of(new ResponseToScore("x", "q", "a"), new ResponseToScore("y", "q", "bb")));
            for (DirectScore d : s) {
                assertTrue(d.expected() >= 1 && d.expected() <= 5, "expected score " + d.expected());
                assertEquals(2 * (d.expected() - 1) / 4 - 1, d.reward(), 1e-12);
                assertEquals(1.0, java.util.Arrays.stream(d.probabilities()).sum(), 1e-9);
            }
        }
    }

    @Test
    void chainOfThoughtAndTooLongPromptsOnTheLocalModel() {
        CausalLm lm = TinyCheckpoints.model(400, 4);
        LocalLmLabeler cot = labeler(lm, SMALL, LabelerOptions.defaults().withChainOfThought(true, 6));
        PreferenceLabel lab = cot.label(PAIRS.subList(0, 1)).get(0);
        assertNotNull(lab.rationale());
        assertTrue(lab.rationale().length() <= 6, "at most 6 one-character tokens: '" + lab.rationale() + "'");
        assertTrue(lab.pA() > 0 && lab.pA() < 1);

        PairRecord huge = new PairRecord("h", "word ".repeat(100) + "last words", "yes", "no");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> labeler(lm, SMALL, LabelerOptions.defaults()).label(List.of(huge)));
        assertTrue(e.getMessage().contains("pair 'h': the labeling prompt is"), e.getMessage());
        assertTrue(e.getMessage().contains("--too-long truncate"), e.getMessage());
        PreferenceLabel cut = labeler(lm, SMALL, LabelerOptions.defaults().withTooLong(TooLongPolicy.TRUNCATE))
                .label(List.of(huge)).get(0);
        assertTrue(cut.truncated());
        assertTrue(cut.pA() > 0 && cut.pA() < 1);
    }

    @Test
    void labelsWithTheRealLlama32TinyCheckpointAndTokenizer() throws Exception {
        // the bf16 checkpoint and Llama 3's tokenizer as shipped; its llama3 rope_scaling is not supported by the
        // model code yet, so the copy drops it (plain RoPE: other numbers, the same labeling path)
        Path dir = tmp.resolve("llama32");
        Files.createDirectories(dir);
        Path src = RealFormat.dir(RealFormat.LLAMA32);
        for (String f : List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        ObjectNode cfg = (ObjectNode) Jsonl.mapper().readTree(src.resolve("config.json").toFile());
        cfg.remove("rope_scaling");
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        try (LocalLmLabeler l = LocalLmLabeler.load(dir, SMALL, LabelerOptions.defaults())) {
            List<PreferenceLabel> labels = l.label(PAIRS);
            for (PreferenceLabel lab : labels) {
                assertTrue(lab.pAAb() > 0 && lab.pAAb() < 1, "p_a_ab " + lab.pAAb());
                assertTrue(lab.pABa() > 0 && lab.pABa() < 1, "p_a_ba " + lab.pABa());
                assertEquals((lab.pAAb() + lab.pABa()) / 2, lab.pA(), 1e-12, "both orders averaged");
            }
            assertTrue(labels.stream().anyMatch(x -> Math.abs(x.pAAb() - 0.5) > 1e-4), "a random model is not indifferent");
            // default scores 1..10: "10" is one Llama 3 token, so every score is one position
            LocalLmLabeler scorer = new LocalLmLabeler(l.model(), HfTokenizer.load(dir), "llama32",
                    Constitution.parse("{\"preamble\": \"p\", \"principle_mode\": \"all\"}", "d"), LabelerOptions.defaults());
            DirectScore s = scorer.score(List.of(new ResponseToScore("r", "q", "an answer"))).get(0);
            assertTrue(s.expected() >= 1 && s.expected() <= 10, "expected score " + s.expected());
            scorer.close();
        }
    }

    @Test
    void scoresTenAsTwoTokensOnQwensTokenizer() {
        // Qwen's tokenizer (real) writes digits one by one; a random Llama-style model of its vocabulary reads them
        try (HfTokenizer qwen = HfTokenizer.load(RealFormat.dir(RealFormat.QWEN3))) {
            ObjectNode n = Jsonl.parseObject("{\"model_type\":\"llama\",\"hidden_size\":16,\"rope_theta\":10000.0,"
                    + "\"num_hidden_layers\":1,\"num_attention_heads\":2,\"num_key_value_heads\":1,"
                    + "\"intermediate_size\":32,\"rms_norm_eps\":1e-6,\"tie_word_embeddings\":true,"
                    + "\"max_position_embeddings\":512,\"initializer_range\":0.5,\"vocab_size\":" + qwen.vocabSize() + "}");
            CausalLm lm = CausalLm.random(ModelConfig.fromJson(n), 11);
            Constitution c = Constitution.parse("{\"preamble\": \"p\", \"principle_mode\": \"all\"}", "d");
            LocalLmLabeler l = new LocalLmLabeler(lm, qwen, "qwen", c, LabelerOptions.defaults());
            String prompt = PreferencePrompts.score(c, List.of(), "q", "an answer");
            double[] got = l.continuationLogProbs(List.of(prompt), c.scoreEnding(), c.scoreTokens())[0];
            long[] ids = PromptEncoding.encode(qwen, prompt);
            long one = qwen.encode("Score=1")[qwen.encode("Score=").length];
            long zero = qwen.encode("Score=10")[qwen.encode("Score=").length + 1];
            long[] withOne = java.util.Arrays.copyOf(ids, ids.length + 1);
            withOne[ids.length] = one;
            float[] first = lastLogProbs(lm, ids);
            float[] next = lastLogProbs(lm, withOne);
            assertEquals(first[(int) one] + next[(int) zero], got[9], 1e-5, "10 = 1 then 0");
            assertEquals(first[(int) one] + Math.log(1 - Math.exp(next[(int) zero])), got[0], 1e-5, "1 not followed by 0");
            PreferenceLabel lab = l.label(PAIRS.subList(0, 1)).get(0);
            assertTrue(lab.pA() > 0 && lab.pA() < 1);
        }
    }

    static float[] lastLogProbs(CausalLm lm, long[] ids) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor logits = lm.logits(Ops.fromLongs(ids, 1, ids.length), null);
            return Ops.toFloats(torch.log_softmax(logits.select(1, ids.length - 1).to(torch.ScalarType.Float), -1).squeeze(0));
        }
    }
}
