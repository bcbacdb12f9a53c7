package org.rlaif4j.feedback;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConstitutionTest {
    @TempDir
    Path tmp;

    private static final String MINIMAL = """
            {"preamble": "Pick the better response.",
             "principles": [{"name": "a", "text": "Be kind."}, {"name": "b", "text": "Be brief."},
                            {"name": "c", "text": "Be right."}]}
            """;

    @Test
    void defaultsFillTheFieldsLeftOutAndHashOnlyTheMeaning() {
        Constitution c = Constitution.parse(MINIMAL, "min.json");
        assertEquals("Preferred Response=", c.ending());
        assertEquals(List.of("1", "2"), c.labelTokens());
        assertEquals(PrincipleMode.SAMPLE, c.principleMode());
        assertEquals(10, c.scoreTokens().size());
        assertNull(c.cotClamp());
        // the same constitution written out with every default explicit hashes the same
        Constitution explicit = Constitution.parse(c.toJson().toPrettyString(), "explicit.json");
        assertEquals(c.sha256(), explicit.sha256());
        assertEquals(64, c.sha256().length());
        Constitution other = Constitution.parse(MINIMAL.replace("Be kind.", "Be kinder."), "x");
        assertNotEquals(c.sha256(), other.sha256(), "a changed principle must change the hash");
    }

    @Test
    void theShippedDefaultLoadsAndRoundTripsThroughAFile() throws Exception {
        Constitution d = Constitution.defaults();
        assertEquals(3, d.principles().size());
        assertEquals(1, d.exemplars().size());
        Path f = tmp.resolve("c.json");
        Files.writeString(f, d.toJson().toPrettyString());
        assertEquals(d, Constitution.load(f));
    }

    @Test
    void principlesAreDrawnFromThePairIdDeterministically() {
        Constitution c = Constitution.parse(MINIMAL, "min.json");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            List<Principle> a = c.principlesFor("pair-" + i);
            assertEquals(a, c.principlesFor("pair-" + i), "same id, same principle");
            assertEquals(1, a.size());
            seen.add(a.get(0).name());
        }
        assertEquals(Set.of("a", "b", "c"), seen, "60 ids should draw every one of 3 principles");

        Constitution ens = Constitution.parse(MINIMAL.replace("{\"preamble\"",
                "{\"principle_mode\": \"ensemble\", \"ensemble_size\": 2, \"preamble\""), "ens.json");
        List<Principle> two = ens.principlesFor("q");
        assertEquals(2, two.size());
        assertNotEquals(two.get(0), two.get(1), "ensemble members are distinct");
        Constitution all = Constitution.parse(MINIMAL.replace("{\"preamble\"", "{\"principle_mode\": \"all\", \"preamble\""), "all");
        assertEquals(3, all.principlesFor("q").size());
    }

    @Test
    void invalidConstitutionsFailNamingTheFileFieldAndValue() {
        assertMessage(MINIMAL.replace("\"preamble\"", "\"preambel\""), "c.json: unknown field 'preambel'");
        assertMessage(MINIMAL.replace("\"principles\"", "\"label_tokens\": [\"A\", \"A\"], \"principles\""),
                "c.json: constitution label_tokens: expected two distinct non-empty tokens, found [A, A]");
        assertMessage(MINIMAL.replace("\"principles\"", "\"principle_mode\": \"ensemble\", \"ensemble_size\": 5, \"principles\""),
                "constitution ensemble_size: expected between 2 and the 3 principles, found 5");
        assertMessage(MINIMAL.replace("\"principles\"", "\"cot_clamp\": [0.7, 0.9], \"principles\""),
                "cot_clamp: expected [low, high] with 0 <= low <= 0.5 <= high <= 1");
        assertMessage(MINIMAL.replace("\"principles\"", "\"exemplars\": [{\"context\": \"q\", \"response_1\": \"x\", "
                + "\"response_2\": \"y\", \"preferred\": \"3\"}], \"principles\""),
                "constitution exemplars[0].preferred: expected one of the label tokens [1, 2], found '3'");
        assertMessage("{\"preamble\": \"p\"}", "principles: expected at least one principle for principle_mode sample, found none");
        assertMessage("{\"preamble\": \"p\", \"principle_mode\": \"most\"}", "principle_mode: expected one of all, sample, ensemble, found 'most'");
        assertMessage("{not json", "c.json: not valid JSON");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Constitution.load(tmp.resolve("none.json")));
        assertTrue(e.getMessage().endsWith("none.json: no such constitution file"), e.getMessage());
    }

    private static void assertMessage(String json, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Constitution.parse(json, "c.json"));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
