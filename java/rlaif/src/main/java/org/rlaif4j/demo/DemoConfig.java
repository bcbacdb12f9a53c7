package org.rlaif4j.demo;

/**
 * Sizes of one demo run. {@link #full()} is what {@code rlaif4j demo} runs; {@link #reduced()}
 * is the CI run, same stages on fewer prompts and iterations.
 *
 * @param seed            drives every prompt set, sample and shuffle of the run (not the models)
 * @param pairPrompts     prompts sampled twice by the SFT policy to make pairs (identical pairs are dropped)
 * @param rmHoldout       share of the pairs kept from the reward model to measure its accuracy against the rater
 * @param rmEpochs        reward-model epochs over the AI-labelled pairs
 * @param ppoPrompts      prompts PPO (and the SFT control) trains on
 * @param ppoIterations   PPO iterations of {@code ppoBatchPrompts * ppoSamples} rollouts each
 * @param evalPrompts     held-out prompts each policy answers once for the win and harmless rates
 * @param direct          direct RLAIF: the labeler's 1-9 score is the reward, no reward model
 */
public record DemoConfig(long seed, int pairPrompts, double rmHoldout, int rmEpochs, int ppoPrompts, int ppoIterations,
                         int ppoBatchPrompts, int ppoSamples, int ppoEpochs, double ppoLr, double klCoef,
                         int evalPrompts, boolean direct) {
    public DemoConfig {
        if (pairPrompts < 8 || ppoPrompts < 1 || ppoIterations < 1 || ppoBatchPrompts < 1 || ppoSamples < 2
                || ppoEpochs < 1 || evalPrompts < 1 || rmEpochs < 1) {
            throw new IllegalArgumentException("demo sizes: expected pairPrompts >= 8, ppoSamples >= 2 and the other "
                    + "counts >= 1, found " + this);
        }
        if (!(rmHoldout > 0 && rmHoldout < 1)) {
            throw new IllegalArgumentException("rmHoldout: expected a share in (0, 1), found " + rmHoldout);
        }
        if (!(ppoLr > 0) || !(klCoef >= 0)) {
            throw new IllegalArgumentException("ppoLr > 0 and klCoef >= 0 expected, found " + ppoLr + ", " + klCoef);
        }
    }

    public static DemoConfig full() {
        return new DemoConfig(1, 1024, 0.25, 2, 256, 40, 16, 4, 1, 2.5e-4, 0.2, 300, false);
    }

    /** The CI run: a fraction of the work, still enough comparisons to tell a real gain from chance. */
    public static DemoConfig reduced() {
        return new DemoConfig(1, 64, 0.25, 2, 128, 20, 8, 4, 1, 2.5e-4, 0.2, 128, false);
    }

    public DemoConfig withSeed(long s) {
        return new DemoConfig(s, pairPrompts, rmHoldout, rmEpochs, ppoPrompts, ppoIterations, ppoBatchPrompts,
                ppoSamples, ppoEpochs, ppoLr, klCoef, evalPrompts, direct);
    }

    public DemoConfig withRmHoldout(double share) {
        return new DemoConfig(seed, pairPrompts, share, rmEpochs, ppoPrompts, ppoIterations, ppoBatchPrompts, ppoSamples,
                ppoEpochs, ppoLr, klCoef, evalPrompts, direct);
    }

    public DemoConfig withDirect(boolean on) {
        return new DemoConfig(seed, pairPrompts, rmHoldout, rmEpochs, ppoPrompts, ppoIterations, ppoBatchPrompts,
                ppoSamples, ppoEpochs, ppoLr, klCoef, evalPrompts, on);
    }

    /** Optimizer steps of PPO's updates: the SFT control gets as many, of as many sequences each. */
    public int ppoOptimizerSteps() {
        return ppoIterations * ppoEpochs * Math.max(1, ppoRows() / minibatch());
    }

    public int ppoRows() {
        return ppoBatchPrompts * ppoSamples;
    }

    /** PPO minibatch rows (half an iteration's rollouts). */
    public int minibatch() {
        return Math.max(1, ppoRows() / 2);
    }
}
