package org.rlaif4j.cai;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.rlaif4j.feedback.Constitution;

/** The critique loop with a scripted model: the chain's shape, what each prompt holds, and determinism by seed. */
class CritiqueLoopTest {
    static final Constitution C = Constitution.parse("""
            {"preamble": "p", "principles": [{"name": "kind", "text": "Be kind."}, {"name": "true", "text": "Be true."},
              {"name": "brief", "text": "Be brief."}],
             "critique_request": "What breaks '{principle}'?", "revision_request": "Fix it for '{principle}'."}
            """, "test");

    /** Answers "critique #k" after "Critique:", "revision #k" after "Revision:" (blank at the given call), else "first". */
    private static final class Scripted implements TextModel {
        final List<String> prompts = new ArrayList<>();
        final List<Long> seeds = new ArrayList<>();
        final int blankRevision;

        Scripted(int blankRevision) {
            this.blankRevision = blankRevision;
        }

        @Override
        public String complete(String prompt, int maxNewTokens, long seed) {
            prompts.add(prompt);
            seeds.add(seed);
            int k = prompts.size();
            if (prompt.endsWith("Critique:")) {
                return " critique #" + k;
            }
            if (prompt.endsWith("Revision:")) {
                return k == blankRevision ? "  " : " revision #" + k;
            }
            return "first";
        }

        @Override
        public String name() {
            return "scripted";
        }
    }

    @Test
    void eachRoundCritiquesThePreviousResultUnderAFilledInPrinciple() {
        Scripted m = new Scripted(5); // call 5 = round 2's revision comes out blank
        CritiqueChain c = new CritiqueLoop(m, C, new CritiqueConfig(3, 8, 4, 1)).run("q1", "Hi?");
        assertEquals(1 + 2 * 3, m.prompts.size(), "a response, then a critique and a revision per round");
        assertEquals("Hi?", m.prompts.get(0), "the response continues the prompt itself");
        assertEquals(3, c.rounds().size());
        assertEquals("first", c.initialResponse());
        assertEquals("first", c.rounds().get(0).response());
        assertEquals("revision #3", c.rounds().get(0).revision());
        assertEquals("revision #3", c.rounds().get(1).response(), "round 2 critiques round 1's revision");
        assertTrue(c.rounds().get(1).revisionEmpty());
        assertEquals("revision #3", c.rounds().get(2).response(), "a blank revision keeps the response");
        assertEquals("revision #7", c.finalResponse());
        for (int r = 0; r < 3; r++) {
            CritiqueRound round = c.rounds().get(r);
            String text = C.principles().stream().filter(p -> p.name().equals(round.principle())).findFirst()
                    .orElseThrow().text();
            assertEquals("What breaks '" + text + "'?", round.critiqueRequest());
            assertEquals("Fix it for '" + text + "'.", round.revisionRequest());
            assertEquals(CritiquePrompts.critique("Hi?", round.response(), round.critiqueRequest()), m.prompts.get(1 + 2 * r));
            assertEquals(CritiquePrompts.revision("Hi?", round.response(), round.critiqueRequest(), round.critique(),
                    round.revisionRequest()), m.prompts.get(2 + 2 * r));
            assertEquals("critique #" + (2 + 2 * r), round.critique(), "critiques are stripped");
        }
        assertEquals("revision #7", c.toSftRecord().get("response").asText());
        assertEquals(3, c.toJson("m", "sha", 1).get("rounds").size());
        assertEquals(7, new HashSet<>(m.seeds).size(), "every generation has its own seed");
    }

    @Test
    void principlesAndSeedsDependOnSeedAndPromptIdOnly() {
        CritiqueConfig cfg = new CritiqueConfig(4, 8, 4, 7);
        Scripted a = new Scripted(-1);
        Scripted b = new Scripted(-1);
        List<String> first = principles(new CritiqueLoop(a, C, cfg).run("q9", "x"));
        new CritiqueLoop(b, C, cfg).run("q1", "other prompt first");
        List<String> again = principles(new CritiqueLoop(b, C, cfg).run("q9", "x"));
        assertEquals(first, again);
        assertEquals(a.seeds, b.seeds.subList(9, 18));
        Set<List<String>> draws = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            draws.add(principles(new CritiqueLoop(new Scripted(-1), C, new CritiqueConfig(4, 8, 4, seed)).run("q9", "x")));
        }
        assertTrue(draws.size() > 10, "the seed changes the drawn principles: " + draws.size() + " distinct draws");
        assertEquals(Set.of("kind", "true", "brief"), draws.stream().flatMap(List::stream).collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void roundsOutsideOneToFourAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CritiqueConfig(5, 8, 4, 0));
        assertEquals("rounds: expected 1..4, found 5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CritiqueConfig(0, 8, 4, 0));
    }

    private static List<String> principles(CritiqueChain c) {
        return c.rounds().stream().map(CritiqueRound::principle).toList();
    }
}
