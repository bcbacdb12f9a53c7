package org.rlaif4j.feedback;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.Ops;

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
        double[] viaLabeler = l.nextTokenLogProbs(List.of(prompt, "short"), SMALL.labelTokens())[0];
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
                + "(tiny), found 5 tokens"), e.getMessage());
        // "10" is two characters: direct scoring with the default 1..10 tokens fails the same way
        LocalLmLabeler l = labeler(TinyCheckpoints.model(512, 1), Constitution.parse("{\"preamble\": \"p\", "
                + "\"principle_mode\": \"all\"}", "d"), LabelerOptions.defaults());
        e = assertThrows(IllegalArgumentException.class, () -> l.score(List.of(new ResponseToScore("1", "q", "a"))));
        assertTrue(e.getMessage().startsWith("score token '10': expected a single token"), e.getMessage());
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
}
