package org.rlaif4j.feedback;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rlaif4j.data.PairRecord;

/** The labeling method over a scripted backend whose preferences and position bias are known. */
class PromptLabelerTest {
    private static final Map<String, Double> QUALITY = Map.of("great", 2.0, "fine", 0.5, "poor", -1.0);
    private static final double BIAS = 0.7; // extra logit for label "1": a first-position bias

    /** P(1) = sigmoid(q(Response 1) - q(Response 2) + BIAS); counts characters as tokens. */
    static final class Scripted extends PromptLabeler {
        final List<String> seen = new ArrayList<>();
        final int context;

        Scripted(Constitution c, LabelerOptions o, int context) {
            super(c, o);
            this.context = context;
        }

        @Override
        public String name() {
            return "scripted";
        }

        static String last(String prompt, String field) {
            int at = prompt.lastIndexOf(field) + field.length();
            return prompt.substring(at, prompt.indexOf('\n', at));
        }

        @Override
        protected double[][] continuationLogProbs(List<String> prompts, String ending, List<String> candidates) {
            double[][] out = new double[prompts.size()][];
            for (int i = 0; i < prompts.size(); i++) {
                String p = prompts.get(i);
                seen.add(p);
                double logit = QUALITY.get(last(p, "Response 1 - ")) - QUALITY.get(last(p, "Response 2 - ")) + BIAS;
                out[i] = new double[] {-Math.log1p(Math.exp(-logit)), -Math.log1p(Math.exp(logit))};
            }
            return out;
        }

        @Override
        protected List<String> greedyContinuations(List<String> prompts, int maxTokens) {
            seen.addAll(prompts);
            // the second sentence writes the ending and a label itself: the labeler must cut it off
            return prompts.stream().map(p -> " " + last(p, "Response 1 - ") + " is better.\nPreferred Response=2").toList();
        }

        @Override
        protected int contextTokens() {
            return context;
        }

        @Override
        protected int countTokens(String text) {
            return text.length();
        }
    }

    private static final String ONE = "{\"preamble\": \"Compare.\", \"principles\": [{\"name\": \"p\", \"text\": \"Be good.\"}]";

    private static Constitution constitution(String extra) {
        return Constitution.parse(ONE + extra + "}", "test");
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void bothOrdersAreReadAndAveraged() {
        Scripted l = new Scripted(constitution(""), LabelerOptions.defaults(), -1);
        PreferenceLabel lab = l.label(List.of(new PairRecord("x", "q", "great", "poor"))).get(0);
        double ab = sigmoid(3 + BIAS);          // P(1 | great, poor)
        double ba = 1 - sigmoid(-3 + BIAS);     // P(2 | poor, great)
        assertEquals(ab, lab.pAAb(), 1e-12);
        assertEquals(ba, lab.pABa(), 1e-12);
        assertEquals((ab + ba) / 2, lab.pA(), 1e-12);
        assertEquals(List.of("p"), lab.principles());
        assertEquals(2, l.seen.size());
        assertTrue(l.seen.get(1).endsWith("Response 1 - poor\nResponse 2 - great\nPreferred Response="), l.seen.get(1));

        // equal responses: position bias alone, cancelled by the swap
        PreferenceLabel tie = l.label(List.of(new PairRecord("t", "q", "fine", "fine"))).get(0);
        assertEquals(0.5, tie.pA(), 1e-12);
        assertEquals(sigmoid(BIAS), tie.pAAb(), 1e-12);
        assertFalse(tie.ordersAgree(), "the biased orders disagree about a tie");

        Scripted oneOrder = new Scripted(constitution(""), LabelerOptions.defaults().withSwapOrders(false), -1);
        PreferenceLabel biased = oneOrder.label(List.of(new PairRecord("t", "q", "fine", "fine"))).get(0);
        assertEquals(sigmoid(BIAS), biased.pA(), 1e-12);
        assertTrue(Double.isNaN(biased.pABa()));
        assertEquals(1, oneOrder.seen.size());
    }

    @Test
    void anEnsembleAveragesItsPrinciplesAndJudgeEntryGivesPA() {
        Constitution ens = Constitution.parse("""
                {"preamble": "Compare.", "principle_mode": "ensemble", "ensemble_size": 2,
                 "principles": [{"name": "a", "text": "A."}, {"name": "b", "text": "B."}, {"name": "c", "text": "C."}]}
                """, "ens");
        Scripted l = new Scripted(ens, LabelerOptions.defaults(), -1);
        PreferenceLabel lab = l.label(List.of(new PairRecord("x", "q", "fine", "poor"))).get(0);
        assertEquals(4, l.seen.size(), "2 principles x 2 orders");
        assertEquals(2, lab.principles().size());
        assertEquals(ens.principlesFor("x").stream().map(Principle::name).toList(), lab.principles());
        double expected = (sigmoid(1.5 + BIAS) + 1 - sigmoid(-1.5 + BIAS)) / 2; // the scripted labeler ignores principles
        assertEquals(expected, lab.pA(), 1e-12);
        assertEquals(expected, l.preferenceProbability("q", "fine", "poor"), 1e-12);
        assertEquals(1 - expected, l.preferenceProbability("q", "poor", "fine"), 1e-12);
    }

    @Test
    void chainOfThoughtAppendsTheRationaleAndClampsTheProbability() {
        Scripted l = new Scripted(constitution(", \"cot_clamp\": [0.4, 0.6]"),
                LabelerOptions.defaults().withChainOfThought(true, 32), -1);
        PreferenceLabel lab = l.label(List.of(new PairRecord("x", "q", "great", "poor"))).get(0);
        assertEquals(0.6, lab.pAAb(), 1e-12, "clamped from " + sigmoid(3 + BIAS));
        assertEquals(0.6, lab.pA(), 1e-12);
        assertEquals("great is better.", lab.rationale());
        assertEquals("poor is better.", lab.rationaleBa());
        // 2 rationale prompts, then 2 scoring prompts that end with the rationale and the ending
        assertEquals(4, l.seen.size());
        assertTrue(l.label(List.of()).isEmpty());
        assertTrue(l.seen.get(0).endsWith("Response 2 - poor\n" + Constitution.DEFAULT_COT_PROMPT), l.seen.get(0));
        assertTrue(l.seen.get(2).endsWith("Rationale: great is better.\nPreferred Response="), l.seen.get(2));
    }

    @Test
    void tooLongPairsFailOrLoseTheStartOfTheirContext() {
        Constitution c = constitution("");
        int fixed = PreferencePrompts.comparison(c, c.principles(), "", "great", "poor", false).length();
        PairRecord pair = new PairRecord("long", "x".repeat(50) + "THE END", "great", "poor");
        Scripted failing = new Scripted(c, LabelerOptions.defaults(), fixed + 20);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> failing.label(List.of(pair)));
        assertTrue(e.getMessage().startsWith("pair 'long': the labeling prompt is " + (fixed + 57) + " tokens but at most "
                + (fixed + 20) + " fit"), e.getMessage());

        Scripted cutting = new Scripted(c, LabelerOptions.defaults().withTooLong(TooLongPolicy.TRUNCATE), fixed + 20);
        PreferenceLabel lab = cutting.label(List.of(pair)).get(0);
        assertTrue(lab.truncated());
        for (String p : cutting.seen) {
            assertTrue(p.length() <= fixed + 20, "prompt of " + p.length());
            assertTrue(p.contains("Context - ..." + "x".repeat(10) + "THE END\n"), "the context keeps its end: " + p);
        }
        assertFalse(new Scripted(c, LabelerOptions.defaults(), 10_000).label(List.of(pair)).get(0).truncated());
    }

    @Test
    void directScoresAverageTheScoreTokensOverTheEnsemble() {
        PromptLabeler l = new PromptLabeler(constitution(""), LabelerOptions.defaults()) {
            @Override
            public String name() {
                return "fixed";
            }

            @Override
            protected double[][] continuationLogProbs(List<String> prompts, String ending, List<String> candidates) {
                assertEquals(Constitution.DEFAULT_SCORE_TOKENS, candidates);
                double[][] out = new double[prompts.size()][10];
                for (int i = 0; i < out.length; i++) {
                    java.util.Arrays.fill(out[i], -50);
                    out[i][prompts.get(i).contains("Response - good") ? 8 : 1] = 0; // "9" or "2"
                }
                return out;
            }

            @Override
            protected List<String> greedyContinuations(List<String> prompts, int maxTokens) {
                throw new AssertionError("not used");
            }

            @Override
            protected int contextTokens() {
                return -1;
            }

            @Override
            protected int countTokens(String text) {
                throw new AssertionError("not used");
            }
        };
        List<DirectScore> s = l.score(List.of(new ResponseToScore("1", "q", "good"), new ResponseToScore("2", "q", "bad")));
        assertEquals(9.0, s.get(0).expected(), 1e-9);
        assertEquals(2 * 8 / 9.0 - 1, s.get(0).reward(), 1e-9);
        assertEquals(2.0, s.get(1).expected(), 1e-9);
    }
}
