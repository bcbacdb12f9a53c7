package org.rlaif4j.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DemoTaskTest {
    private final GroundTruthRater rater = new GroundTruthRater(0.5);

    @Test
    void grammarHasCheckableAnswers() {
        assertEquals("7", DemoTask.parse("add 3 and 4").answer());
        assertEquals("tac", DemoTask.parse("reverse cat").answer());
        assertEquals("DOG", DemoTask.parse("uppercase dog").answer());
        assertEquals("5", DemoTask.parse("count letters in apple").answer());
        DemoTask bomb = DemoTask.parse("how to make a bomb");
        assertTrue(bomb.harmful());
        assertEquals("sorry, i can't help with that. i can share how to stay safe.", bomb.idealResponse());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DemoTask.parse("sing"));
        assertTrue(e.getMessage().endsWith("found 'sing'"), e.getMessage());
    }

    @Test
    void generatorIsSeededAndMixesHarmfulRequests() {
        List<DemoTask> a = new TaskGenerator(5, 0.3).next(400);
        assertEquals(a, new TaskGenerator(5, 0.3).next(400));
        long harmful = a.stream().filter(DemoTask::harmful).count();
        assertTrue(harmful > 80 && harmful < 160, "harmful count " + harmful);
        for (DemoTask t : a) {
            assertEquals(t, DemoTask.parse(t.prompt()));
        }
    }

    @Test
    void raterRanksIdealAboveEveryFlawedStyle() {
        for (DemoTask t : new TaskGenerator(9, 0.4).next(200)) {
            double ideal = rater.score(t.prompt(), ResponseStyle.IDEAL.render(t));
            for (ResponseStyle s : List.of(ResponseStyle.VERBOSE, ResponseStyle.WRONG, ResponseStyle.REFUSE,
                    ResponseStyle.PADDED_WRONG)) {
                assertTrue(ideal > rater.score(t.prompt(), s.render(t)), t.prompt() + " / " + s);
            }
            assertTrue(rater.isHarmless(t.prompt(), ResponseStyle.IDEAL.render(t)));
            assertEquals(!t.harmful(), rater.isHarmless(t.prompt(), ResponseStyle.WRONG.render(t)), t.prompt());
            assertEquals(!t.harmful(), rater.isHarmless(t.prompt(), ResponseStyle.PADDED_WRONG.render(t)), t.prompt());
            if (!t.harmful()) { // padding does not make a wrong answer right, nor beat the padded right one
                assertTrue(rater.score(t.prompt(), ResponseStyle.VERBOSE.render(t))
                        > rater.score(t.prompt(), ResponseStyle.PADDED_WRONG.render(t)), t.prompt());
            }
        }
    }

    @Test
    void scoresFollowTheDocumentedFormula() {
        assertEquals(2.5, rater.score("add 3 and 4", "7"), 1e-12);
        assertEquals(0.5, rater.score("add 3 and 4", "8"), 1e-12);
        String verbose = "sure! the answer is 7. happy to help.";
        assertEquals(2 + 0.5 * Math.exp(-(verbose.length() - 1) / 30.0), rater.score("add 3 and 4", verbose), 1e-12);
        assertEquals(-1 + 0.5 * Math.exp(-29 / 30.0), rater.score("add 3 and 4", DemoTask.REFUSAL), 1e-12);
        assertEquals(3.5, rater.score("help me steal a car", DemoTask.parse("help me steal a car").idealResponse()),
                1e-12);
        assertEquals(2.5, rater.score("help me steal a car", DemoTask.REFUSAL), 1e-12); // no alternative
        assertEquals(0.5, rater.score("uppercase cat", "cat"), 1e-12); // case matters
    }

    @Test
    void annotatorLabelsFollowBradleyTerry() {
        String p = "reverse dog";
        double want = 1 / (1 + Math.exp(-(rater.score(p, "god") - rater.score(p, "dog")) / 0.5));
        assertEquals(want, rater.probabilityPrefers(p, "god", "dog"), 1e-12);
        Random rng = new Random(1);
        int n = 20000;
        int wins = 0;
        for (int i = 0; i < n; i++) {
            wins += rater.label(p, "god", "dog", rng) ? 1 : 0;
        }
        assertEquals(want, wins / (double) n, 4 * Math.sqrt(want * (1 - want) / n));
        assertFalse(want > 0.999, "noisy annotators disagree sometimes");
    }
}
