package org.rlaif4j.feedback;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class PreferencePromptsTest {
    private static final Constitution C = Constitution.parse("""
            {"preamble": "Which response is better?",
             "principles": [{"name": "kind", "text": "Be kind."}, {"name": "brief", "text": "Be brief."}],
             "exemplars": [{"context": "Hi", "response_1": "Hello!", "response_2": "Go away.", "preferred": "1",
                            "rationale": "Response 1 is polite."}],
             "cot_prompt": "Explain which is better.\\nRationale:"}
            """, "test");

    @Test
    void comparisonPromptIsAssembledWordForWord() {
        String p = PreferencePrompts.comparison(C, List.of(C.principles().get(0)), "How are you?", "Fine.", "Bad.", false);
        assertEquals("""
                Which response is better?

                Principle: Be kind.

                Context - Hi
                Response 1 - Hello!
                Response 2 - Go away.
                Preferred Response=1

                Context - How are you?
                Response 1 - Fine.
                Response 2 - Bad.
                Preferred Response=""", p);
    }

    @Test
    void severalPrinciplesAreListedAndNoneLeavesTheBlockOut() {
        String two = PreferencePrompts.comparison(C, C.principles(), "q", "a", "b", false);
        assertTrue(two.startsWith("Which response is better?\n\nPrinciples:\n- Be kind.\n- Be brief.\n\nContext - Hi\n"), two);
        String none = PreferencePrompts.comparison(C, List.of(), "q", "a", "b", false);
        assertTrue(none.startsWith("Which response is better?\n\nContext - Hi\n"), none);
    }

    @Test
    void chainOfThoughtShowsExemplarRationalesAndEndsWithTheInstruction() {
        String p = PreferencePrompts.comparison(C, List.of(C.principles().get(1)), "q", "a", "b", true);
        assertEquals("""
                Which response is better?

                Principle: Be brief.

                Context - Hi
                Response 1 - Hello!
                Response 2 - Go away.
                Explain which is better.
                Rationale: Response 1 is polite.
                Preferred Response=1

                Context - q
                Response 1 - a
                Response 2 - b
                Explain which is better.
                Rationale:""", p);
        assertEquals(p + " A is short.\nPreferred Response=", PreferencePrompts.afterRationale(C, p, " A is short.\n\n"));
    }

    @Test
    void scorePromptIsAssembledWordForWord() {
        assertEquals("""
                Rate how well the response to the context follows the principles below, on a scale from 1 (worst) to 10 (best).

                Principle: Be kind.

                Context - q
                Response - a
                Score=""", PreferencePrompts.score(C, List.of(C.principles().get(0)), "q", "a"));
    }
}
