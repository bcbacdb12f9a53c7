package org.rlaif4j.eval;

import java.util.List;

/**
 * Says which of two responses to a prompt is better, as a probability.
 *
 * <p>Contract: {@link #preferX} returns the probability, in [0, 1], that response {@code x} is
 * preferred over response {@code y} as an answer to {@code prompt}; 0.5 means no preference (a tie).
 * A judge may depend on the order it is shown the responses (an AI labeler does); callers that care
 * ask both orders. Implementations must be safe to call from one thread at a time; they need not be
 * thread-safe.
 */
public interface PreferenceJudge {
    /** A short name for reports, such as {@code rules:harmless.json} or {@code reward-model:/path}. */
    String name();

    /** Probability in [0, 1] that {@code x} is preferred over {@code y}. */
    double preferX(String prompt, String x, String y);

    /** {@link #preferX} for many comparisons; judges that batch (models) override it. */
    default double[] preferX(List<Comparison> comparisons) {
        double[] out = new double[comparisons.size()];
        for (int i = 0; i < out.length; i++) {
            Comparison c = comparisons.get(i);
            out[i] = preferX(c.prompt().asText(), c.x(), c.y());
        }
        return out;
    }

    /** One question for a judge: is {@code x} better than {@code y} as an answer to {@code prompt}? */
    record Comparison(org.rlaif4j.data.Prompt prompt, String x, String y) {
        public Comparison(String prompt, String x, String y) {
            this(org.rlaif4j.data.Prompt.text(prompt), x, y);
        }
    }
}
