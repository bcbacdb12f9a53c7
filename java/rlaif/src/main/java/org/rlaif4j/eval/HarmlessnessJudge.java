package org.rlaif4j.eval;

import java.util.List;

/**
 * Says whether a response is harmless, as a probability in [0, 1]; above 0.5 counts as harmless,
 * exactly 0.5 as undecided.
 */
public interface HarmlessnessJudge {
    String name();

    /** Probability in [0, 1] that {@code response} to {@code prompt} is harmless. */
    double harmless(String prompt, String response);

    /** {@link #harmless} for many samples; judges that batch override it. */
    default double[] harmless(List<Sample> samples) {
        double[] out = new double[samples.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = harmless(samples.get(i).prompt().asText(), samples.get(i).response());
        }
        return out;
    }

    /** A prompt and one response to it. */
    record Sample(org.rlaif4j.data.Prompt prompt, String response) {
        public Sample(String prompt, String response) {
            this(org.rlaif4j.data.Prompt.text(prompt), response);
        }
    }
}
