package org.rlaif4j.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.data.PreferenceRecord;

class EvalMetricsTest {
    @TempDir
    Path tmp;

    @Test
    void wilsonIntervalMatchesHandComputedValues() {
        // 8 of 10: p = 0.8, z² = 3.8415; centre (0.8 + 0.19208) / 1.38415 = 0.71681,
        // half-width 1.95996 / 1.38415 * sqrt(0.016 + 0.0096038) = 0.22656
        Interval i = Interval.wilson95(8, 10);
        assertEquals(0.4902, i.low(), 1e-4);
        assertEquals(0.9433, i.high(), 1e-4);
        // 0 of 10: [0, z²/(n + z²)] = [0, 3.8415 / 13.8415]
        Interval zero = Interval.wilson95(0, 10);
        assertEquals(0.0, zero.low(), 1e-12);
        assertEquals(3.841459 / 13.841459, zero.high(), 1e-6);
        // symmetric around 1/2 for half the successes, fractional counts allowed (ties as halves)
        Interval half = Interval.wilson95(2.5, 5);
        assertEquals(1 - half.high(), half.low(), 1e-12);
        assertEquals(new Interval(0, 1), Interval.wilson95(0, 0));
        assertThrows(IllegalArgumentException.class, () -> Interval.wilson95(11, 10));
    }

    private static LabeledPair pair(String id, String prompt, String a, String b, double pA) {
        return new LabeledPair("f:" + id, id, new PreferenceRecord(id, prompt, a, b, pA, Double.NaN, Double.NaN, null, null, null));
    }

    private static LabeledPair noId(String line, String prompt, String a, String b, double pA) {
        return new LabeledPair("f:" + line, null, new PreferenceRecord(line, prompt, a, b, pA, Double.NaN, Double.NaN, null, null, null));
    }

    @Test
    void alignmentCountsAgreementTiesAndMatchesByIdOrText() {
        List<LabeledPair> human = List.of(pair("1", "p1", "a", "b", 1), pair("2", "p2", "a", "b", 0), pair("3", "p3", "a", "b", 1),
                pair("4", "p4", "a", "b", 1), pair("5", "p5", "a", "b", 0.5), pair("6", "p6", "a", "b", 1));
        List<LabeledPair> ai = List.of(pair("1", "p1", "a", "b", 0.8), pair("2", "p2", "a", "b", 0.3), pair("3", "p3", "a", "b", 0.4),
                pair("4", "p4", "a", "b", 0.5), pair("5", "p5", "a", "b", 0.9));
        Alignment.Result r = Alignment.compute("ai", ai, "human", human, false, 0);
        assertEquals("id", r.matchedBy());
        assertEquals(2, r.agree());
        assertEquals(1, r.disagree());
        assertEquals(1, r.aiTies());
        assertEquals(1, r.humanTies());
        assertEquals(1, r.humanUnused(), "human record 6 has no AI label");
        assertEquals(2.0 / 3, r.alignment(), 1e-12, "ties left out");
        assertEquals(2.5 / 4, r.alignmentTiesAsHalf(), 1e-12);
        assertEquals(Interval.wilson95(2, 3), r.interval());

        // by text when ids are missing; a human pair stored as (B, A) matches with its label flipped
        List<LabeledPair> humanText = List.of(noId("1", "p1", "b", "a", 0.0), noId("2", "p2", "a", "b", 1.0));
        List<LabeledPair> aiText = List.of(noId("1", "p1", "a", "b", 0.7), noId("2", "p2", "a", "b", 0.2));
        Alignment.Result t = Alignment.compute("ai", aiText, "human", humanText, false, 0);
        assertEquals("text", t.matchedBy());
        assertEquals(1, t.agree());
        assertEquals(1, t.disagree());

        // unmatched AI records are an error naming them, or counted when allowed
        List<LabeledPair> extra = List.of(pair("1", "p1", "a", "b", 0.8), pair("9", "p9", "a", "b", 0.8));
        DataFormatException e = assertThrows(DataFormatException.class, () -> Alignment.compute("ai", extra, "human", human, false, 0));
        assertTrue(e.getMessage().contains("1 AI record(s) have no human counterpart") && e.getMessage().contains("f:9"),
                e.getMessage());
        assertEquals(1, Alignment.compute("ai", extra, "human", human, true, 0).unmatched());

        // same id, different responses: refused
        List<LabeledPair> wrong = List.of(pair("1", "p1", "a", "c", 0.8));
        e = assertThrows(DataFormatException.class, () -> Alignment.compute("ai", wrong, "human", human, false, 0));
        assertTrue(e.getMessage().contains("id '1' matches f:1 but the prompt or responses differ"), e.getMessage());
        // duplicate human keys: refused
        e = assertThrows(DataFormatException.class, () -> Alignment.compute("ai", ai, "human",
                List.of(pair("1", "p1", "a", "b", 1), pair("1", "p1", "a", "b", 0)), false, 0));
        assertTrue(e.getMessage().contains("duplicate human record"), e.getMessage());
    }

    private static RuleJudge markerJudge() {
        return new RuleJudge("marker", List.of(RuleJudge.Rule.keyword("marker", "#", 1.0, false),
                new RuleJudge.Rule("bomb", Pattern.compile("(?i)\\bbomb\\b"), -2.0, true)), 1.0);
    }

    @Test
    void ruleJudgeScoresPrefersAndFlagsHarm() throws Exception {
        RuleJudge j = markerJudge();
        assertEquals(1.0 / (1 + Math.exp(-1)), j.preferX("p", "a#", "b"), 1e-12);
        assertEquals(0.5, j.preferX("p", "a#", "#b"), 0.0, "equal scores are an exact tie");
        assertEquals(1.0 / (1 + Math.exp(-3)), j.preferX("p", "a#", "a BOMB"), 1e-12);
        assertEquals(0.0, j.harmless("p", "build a Bomb now"));
        assertEquals(1.0, j.harmless("p", "bombastic"), "word boundary: not a match");

        Path rules = tmp.resolve("rules.json");
        Files.writeString(rules, "{\"name\": \"t\", \"temperature\": 2.0, \"rules\": [{\"name\": \"m\", \"keyword\": \"#\", "
                + "\"weight\": 1.0}, {\"name\": \"w\", \"regex\": \"(?i)\\\\bbomb\\\\b\", \"weight\": -1, \"harmful\": true}]}");
        RuleJudge loaded = RuleJudge.load(rules);
        assertEquals("rules:t", loaded.name());
        assertEquals(1.0 / (1 + Math.exp(-0.5)), loaded.preferX("p", "#", "x"), 1e-12, "temperature divides the score gap");
        assertEquals(0.0, loaded.harmless("p", "a bomb"));

        Files.writeString(rules, "{\"rules\": [{\"keyword\": \"#\", \"wieght\": 1.0}]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RuleJudge.load(rules));
        assertTrue(e.getMessage().contains("rule 0: unknown field \"wieght\""), e.getMessage());
        Files.writeString(rules, "{\"rules\": [{\"name\": \"bad\", \"regex\": \"(unclosed\"}]}");
        e = assertThrows(IllegalArgumentException.class, () -> RuleJudge.load(rules));
        assertTrue(e.getMessage().contains("rule 0 ('bad'): invalid regex"), e.getMessage());
        Files.writeString(rules, "{\"rules\": [{\"name\": \"both\", \"regex\": \"a\", \"keyword\": \"b\"}]}");
        e = assertThrows(IllegalArgumentException.class, () -> RuleJudge.load(rules));
        assertTrue(e.getMessage().contains("exactly one of \"regex\" and \"keyword\""), e.getMessage());
    }

    @Test
    void winRateCountsTiesAsHalfAndReportsThem() {
        List<PreferenceJudge.Comparison> cs = List.of(
                new PreferenceJudge.Comparison("p1", "a#", "b"),   // win
                new PreferenceJudge.Comparison("p2", "a#", "b#"),  // tie
                new PreferenceJudge.Comparison("p3", "a", "b#"),   // loss
                new PreferenceJudge.Comparison("p4", "#", "bomb"), // win
                new PreferenceJudge.Comparison("p5", "x", "y"));   // tie
        WinRate.Result r = WinRate.compute(markerJudge(), cs, "x.jsonl", "y.jsonl", 0, false, 0);
        assertEquals(2, r.wins());
        assertEquals(1, r.losses());
        assertEquals(2, r.ties());
        assertEquals(3.0 / 5, r.winRate(), 1e-12, "(2 + 2/2) / 5");
        assertEquals(Interval.wilson95(3, 5), r.interval());
        assertEquals(2.0 / 3, r.decisiveWinRate(), 1e-12);
        // a tie band of 0.3 turns the σ(1) = 0.73 wins and losses into ties; σ(3) = 0.95 stays a win
        WinRate.Result banded = WinRate.compute(markerJudge(), cs, "x", "y", 0.3, false, 0);
        assertEquals(1, banded.wins());
        assertEquals(4, banded.ties());

        // a judge that always prefers the first response: position bias cancelled by both orders
        PreferenceJudge first = new PreferenceJudge() {
            public String name() {
                return "first";
            }

            public double preferX(String prompt, String x, String y) {
                return 0.9;
            }
        };
        assertEquals(5, WinRate.compute(first, cs, "x", "y", 0, false, 0).wins());
        assertEquals(5, WinRate.compute(first, cs, "x", "y", 0, true, 0).ties());
    }

    @Test
    void responsesMatchByIdOrPromptAndUnmatchedOnesAreErrors() {
        List<PolicyResponse> x = List.of(new PolicyResponse("x:1", null, "p1", "a"), new PolicyResponse("x:2", null, "p2", "b"));
        List<PolicyResponse> y = List.of(new PolicyResponse("y:1", null, "p2", "c"), new PolicyResponse("y:2", null, "p1", "d"));
        List<PreferenceJudge.Comparison> cs = WinRate.match(x, y);
        assertEquals(new PreferenceJudge.Comparison("p1", "a", "d"), cs.get(0));
        assertEquals(new PreferenceJudge.Comparison("p2", "b", "c"), cs.get(1));
        List<PolicyResponse> yShort = List.of(new PolicyResponse("y:1", null, "p2", "c"));
        DataFormatException e = assertThrows(DataFormatException.class, () -> WinRate.match(x, yShort));
        assertTrue(e.getMessage().contains("1 response(s) have no counterpart") && e.getMessage().contains("x:1"), e.getMessage());
        List<PolicyResponse> dup = List.of(new PolicyResponse("y:1", null, "p1", "c"), new PolicyResponse("y:2", null, "p1", "d"));
        e = assertThrows(DataFormatException.class, () -> WinRate.match(x, dup));
        assertTrue(e.getMessage().contains("y:2: duplicate prompt"), e.getMessage());
    }

    @Test
    void harmlessRateCountsUndecidedAsNotHarmless() {
        HarmlessnessJudge j = new HarmlessnessJudge() {
            public String name() {
                return "fixed";
            }

            public double harmless(String prompt, String response) {
                return Double.parseDouble(response);
            }
        };
        List<PolicyResponse> rs = List.of(new PolicyResponse("r:1", null, "p", "0.9"), new PolicyResponse("r:2", null, "p", "0.5"),
                new PolicyResponse("r:3", null, "p", "0.1"), new PolicyResponse("r:4", null, "p", "1.0"));
        HarmlessRate.Result r = HarmlessRate.compute(j, rs, "r.jsonl", 0);
        assertEquals(2, r.harmless());
        assertEquals(1, r.harmful());
        assertEquals(1, r.undecided());
        assertEquals(0.5, r.harmlessRate(), 1e-12);
        assertEquals(Interval.wilson95(2, 4), r.interval());
        assertTrue(r.toMarkdown().contains("| harmless / harmful / undecided | 2 / 1 / 1 |"), r.toMarkdown());
        assertEquals(0.5, r.toJson().get("harmless_rate").asDouble());
    }
}
