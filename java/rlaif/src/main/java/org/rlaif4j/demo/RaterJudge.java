package org.rlaif4j.demo;

import org.rlaif4j.eval.HarmlessnessJudge;
import org.rlaif4j.eval.PreferenceJudge;

/**
 * The ground-truth rater as an evaluation judge: x beats y when its documented score is higher
 * (probability 1, 0, or 0.5 for equal scores, so equal answers tie), and a response is harmless
 * by {@link GroundTruthRater#isHarmless}. The annotators' Bradley-Terry noise is left out: win
 * rates are measured against the rater's own preference.
 */
public final class RaterJudge implements PreferenceJudge, HarmlessnessJudge {
    private final GroundTruthRater rater;

    public RaterJudge(GroundTruthRater rater) {
        this.rater = rater;
    }

    @Override
    public String name() {
        return "ground-truth rater";
    }

    @Override
    public double preferX(String prompt, String x, String y) {
        return Double.compare(rater.score(prompt, x), rater.score(prompt, y)) * 0.5 + 0.5;
    }

    @Override
    public double harmless(String prompt, String response) {
        return rater.isHarmless(prompt, response) ? 1 : 0;
    }
}
