package org.rlaif4j.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.feedback.PreferencePrompts;
import org.rlaif4j.rl.Completion;
import org.rlaif4j.sft.SftExample;

class DemoPiecesTest {
    private final GroundTruthRater rater = DemoData.rater();

    @Test
    void constitutionIsShortWithSingleCharacterTokens() {
        Constitution c = DemoConstitution.load();
        assertEquals(List.of("helpful", "harmless", "honest"), c.principles().stream().map(p -> p.name()).toList());
        for (String t : c.labelTokens()) {
            assertEquals(1, DemoModels.TOKENIZER.encode(t).length, "label token " + t);
        }
        for (String t : c.scoreTokens()) {
            assertEquals(1, DemoModels.TOKENIZER.encode(t).length, "score token " + t);
        }
        // The longest labeling prompt of the task's styles fits the labeler's context (longer samples are truncated).
        DemoTask t = DemoTask.parse("how to pick a lock to rob a house");
        String longest = ResponseStyle.VERBOSE.render(t);
        int tokens = DemoModels.TOKENIZER.encode(PreferencePrompts.comparison(c, List.of(c.principles().get(2)),
                t.prompt(), longest, longest, false)).length;
        assertTrue(tokens <= DemoModels.labelerConfig().maxPositions(), "prompt tokens " + tokens);
    }

    @Test
    void styleMixDrawsWithItsWeights() {
        Random rng = new Random(3);
        Map<ResponseStyle, Integer> counts = new EnumMap<>(ResponseStyle.class);
        int n = 20000;
        for (int i = 0; i < n; i++) {
            counts.merge(StyleMix.IMPERFECT.draw(rng), 1, Integer::sum);
        }
        StyleMix.IMPERFECT.weights().forEach((s, w) ->
                assertEquals(w, counts.get(s) / (double) n, 0.015, s.toString()));
        assertEquals(n, new StyleMix(0, 0, 1, 0).draw(rng) == ResponseStyle.WRONG ? n : 0);
        assertThrows(IllegalArgumentException.class, () -> new StyleMix(0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new StyleMix(-1, 1, 0, 0));
    }

    @Test
    void labelerDataShowsEachPairInBothOrdersWithMatchingAnswers() {
        Constitution c = DemoConstitution.load();
        List<PairRecord> pairs = DemoData.styledPairs(50, 4, "t");
        List<SftExample> data = DemoData.labeler(pairs, c, rater, 10, 9);
        assertEquals(2 * 50 + 10, data.size());
        for (int i = 0; i < 50; i++) {
            PairRecord p = pairs.get(i);
            SftExample ab = data.get(2 * i);
            SftExample ba = data.get(2 * i + 1);
            assertEquals(PreferencePrompts.comparison(c, c.principlesFor(p.id()), p.prompt().asText(), p.responseA(),
                    p.responseB(), false), ab.prompt().asText());
            assertTrue(ba.prompt().asText().contains("Response 1 - " + p.responseB() + "\n"));
            assertTrue(!ab.response().equals(ba.response()), "the same annotator choice names the other position");
            assertTrue(!p.responseA().equals(p.responseB()));
        }
        assertTrue(data.get(100).prompt().asText().endsWith(c.scoreEnding()));
        assertEquals(1, data.get(100).response().length());
    }

    @Test
    void firstLabelerPhaseKeepsTheSftStylesAndTheSecondAddsPaddedWrongAnswers() {
        List<PairRecord> first = DemoData.styledPairs(400, 11, "r");
        assertEquals(first, DemoData.styledPairs(400, 11, "r", DemoData.SFT_STYLES));
        List<PairRecord> wide = DemoData.styledPairs(400, 11, "t", List.of(ResponseStyle.values()));
        java.util.function.Predicate<PairRecord> hasPadded = p -> {
            String padded = ResponseStyle.PADDED_WRONG.render(DemoTask.parse(p.prompt().asText()));
            return p.responseA().equals(padded) || p.responseB().equals(padded);
        };
        assertTrue(first.stream().noneMatch(hasPadded));
        long withPadded = wide.stream().filter(hasPadded).count();
        assertTrue(withPadded > 80 && withPadded < 220, "pairs with a padded wrong answer: " + withPadded);
    }

    @Test
    void scoreTokensCoverTheRatersRangeInOrder() {
        assertEquals(0, DemoData.scoreToken(-1, 9));
        assertEquals(8, DemoData.scoreToken(3.5, 9));
        assertEquals(8, DemoData.scoreToken(99, 9));
        assertEquals(0, DemoData.scoreToken(-5, 9));
        DemoTask t = DemoTask.parse("reverse fish");
        int ideal = DemoData.scoreToken(rater.score(t.prompt(), ResponseStyle.IDEAL.render(t)), 9);
        int wrong = DemoData.scoreToken(rater.score(t.prompt(), ResponseStyle.WRONG.render(t)), 9);
        int refuse = DemoData.scoreToken(rater.score(t.prompt(), ResponseStyle.REFUSE.render(t)), 9);
        assertTrue(ideal > wrong && wrong > refuse, ideal + " " + wrong + " " + refuse);
    }

    @Test
    void raterJudgeTiesEqualScoresAndJudgesHarm() {
        RaterJudge j = new RaterJudge(rater);
        assertEquals(1.0, j.preferX("add 3 and 4", "7", "8"));
        assertEquals(0.0, j.preferX("add 3 and 4", "8", "7"));
        assertEquals(0.5, j.preferX("add 3 and 4", "7", "7"));
        assertEquals(0.0, j.harmless("how to make a bomb", "sure, here is how."));
        assertEquals(1.0, j.harmless("add 3 and 4", "sure, here is how."));
    }

    @Test
    void proportionAndConfigValidate() {
        Proportion p = Proportion.of(30, 40);
        assertEquals(0.75, p.value(), 1e-12);
        assertTrue(p.ci().low() < 0.75 && p.ci().high() > 0.75);
        assertTrue(p.toString().startsWith("75.0% ["), p.toString());
        assertThrows(IllegalArgumentException.class, () -> Proportion.of(0, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DemoConfig.full().withSeed(1).withDirect(false).withRmHoldout(1.0));
        assertTrue(e.getMessage().contains("rmHoldout"), e.getMessage());
        DemoConfig f = DemoConfig.full();
        assertEquals(f.ppoIterations() * f.ppoEpochs() * 2, f.ppoOptimizerSteps(), "two minibatches per epoch");
    }

    @Test
    void trainingSetsAreSeeded() {
        assertEquals(DemoData.styled(30, 5, StyleMix.IMPERFECT), DemoData.styled(30, 5, StyleMix.IMPERFECT));
        assertEquals(DemoData.styledPairs(30, 5, "x"), DemoData.styledPairs(30, 5, "x"));
        assertTrue(!DemoData.prompts(30, 5).equals(DemoData.prompts(30, 6)));
        for (SftExample e : DemoData.ideal(DemoData.prompts(20, 1))) {
            assertEquals(DemoTask.parse(e.prompt().asText()).idealResponse(), e.response());
        }
    }
}
