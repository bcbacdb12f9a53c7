package org.rlaif4j.model;

/** Receives each step's tokens while {@link Generator} runs (streaming). */
@FunctionalInterface
public interface TokenListener {
    /**
     * @param step     0-based step
     * @param tokens   the token chosen for each row (padding for rows finished before this step)
     * @param finished whether each row has finished (true from the step that emitted its stop token)
     */
    void onStep(int step, long[] tokens, boolean[] finished);
}
