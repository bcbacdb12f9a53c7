package org.rlaif4j.feedback;

import java.util.ArrayList;
import java.util.List;

/**
 * The text a labeler reads, assembled from a {@link Constitution} (Lee et al. 2023, appendix
 * templates). Pure functions; blocks are separated by one blank line:
 *
 * <pre>
 * {preamble}
 *
 * Principle: {text}                       (one principle; several: "Principles:" then "- {text}" lines)
 *
 * Context - {exemplar context}            (each exemplar)
 * Response 1 - {exemplar response 1}
 * Response 2 - {exemplar response 2}
 * {ending}{preferred}
 *
 * Context - {context}
 * Response 1 - {first}
 * Response 2 - {second}
 * {ending}                                (chain of thought: {cot_prompt} instead)
 * </pre>
 *
 * In chain-of-thought prompts an exemplar with a rationale shows {@code {cot_prompt} {rationale}}
 * before its ending line; the labeler's own rationale is generated after {@code {cot_prompt}} and
 * {@link #afterRationale} appends the ending to it.
 */
public final class PreferencePrompts {
    public static final String CONTEXT = "Context - ";
    public static final String RESPONSE_1 = "Response 1 - ";
    public static final String RESPONSE_2 = "Response 2 - ";
    public static final String RESPONSE = "Response - ";

    private PreferencePrompts() {
    }

    /** The comparison prompt for {@code first} shown as Response 1 and {@code second} as Response 2. */
    public static String comparison(Constitution c, List<Principle> principles, String context, String first,
                                    String second, boolean chainOfThought) {
        List<String> blocks = new ArrayList<>();
        blocks.add(c.preamble());
        if (!principles.isEmpty()) {
            blocks.add(principleBlock(principles));
        }
        for (Exemplar e : c.exemplars()) {
            StringBuilder b = new StringBuilder(sample(e.context(), e.response1(), e.response2()));
            if (chainOfThought && e.rationale() != null) {
                b.append(c.cotPrompt()).append(' ').append(e.rationale()).append('\n');
            }
            blocks.add(b.append(c.ending()).append(e.preferred()).toString());
        }
        blocks.add(sample(context, first, second) + (chainOfThought ? c.cotPrompt() : c.ending()));
        return String.join("\n\n", blocks);
    }

    /** The chain-of-thought prompt followed by the labeler's rationale and the ending, where the label is read. */
    public static String afterRationale(Constitution c, String cotPromptText, String rationale) {
        return cotPromptText + rationale.stripTrailing() + "\n" + c.ending();
    }

    /** The direct-scoring prompt: the labeler's next token after it is a score token. */
    public static String score(Constitution c, List<Principle> principles, String context, String response) {
        List<String> blocks = new ArrayList<>();
        blocks.add(c.scorePreamble());
        if (!principles.isEmpty()) {
            blocks.add(principleBlock(principles));
        }
        blocks.add(CONTEXT + context + "\n" + RESPONSE + response + "\n" + c.scoreEnding());
        return String.join("\n\n", blocks);
    }

    private static String sample(String context, String first, String second) {
        return CONTEXT + context + "\n" + RESPONSE_1 + first + "\n" + RESPONSE_2 + second + "\n";
    }

    private static String principleBlock(List<Principle> principles) {
        if (principles.size() == 1) {
            return "Principle: " + principles.get(0).text();
        }
        StringBuilder b = new StringBuilder("Principles:");
        for (Principle p : principles) {
            b.append("\n- ").append(p.text());
        }
        return b.toString();
    }
}
