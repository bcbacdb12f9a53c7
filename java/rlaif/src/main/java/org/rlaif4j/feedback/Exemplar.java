package org.rlaif4j.feedback;

/**
 * A worked few-shot example shown before the comparison to label.
 *
 * @param preferred the label token of the better response (one of the constitution's label tokens)
 * @param rationale shown only in chain-of-thought prompts; may be null
 */
public record Exemplar(String context, String response1, String response2, String preferred, String rationale) {
    public Exemplar {
        if (context == null || response1 == null || response2 == null || preferred == null) {
            throw new IllegalArgumentException("exemplar: context, response_1, response_2 and preferred must be given");
        }
    }
}
