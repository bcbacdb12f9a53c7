package org.rlaif4j.eval;

import java.util.ArrayList;
import java.util.List;
import org.rlaif4j.reward.RewardScorer;
import org.rlaif4j.reward.SoftLabelLoss;

/**
 * A judge backed by a reward model: {@code P(x preferred) = σ(r(prompt, x) - r(prompt, y))}, the
 * Bradley-Terry reading of the model's scores (the same one its training loss uses). Equal
 * rewards give an exact tie.
 */
public final class RewardModelJudge implements PreferenceJudge {
    private final String name;
    private final RewardScorer scorer;
    private final int batchSize;

    public RewardModelJudge(String name, RewardScorer scorer, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: expected >= 1, found " + batchSize);
        }
        this.name = name;
        this.scorer = scorer;
        this.batchSize = batchSize;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public double preferX(String prompt, String x, String y) {
        return preferX(List.of(new Comparison(prompt, x, y)))[0];
    }

    /** Scores all x and y responses in batches, then compares. */
    @Override
    public double[] preferX(List<Comparison> comparisons) {
        List<org.rlaif4j.data.Prompt> prompts = new ArrayList<>(2 * comparisons.size());
        List<String> responses = new ArrayList<>(2 * comparisons.size());
        for (Comparison c : comparisons) {
            prompts.add(c.prompt());
            responses.add(c.x());
        }
        for (Comparison c : comparisons) {
            prompts.add(c.prompt());
            responses.add(c.y());
        }
        double[] r = scorer.scorePrompts(prompts, responses, batchSize);
        double[] p = new double[comparisons.size()];
        for (int i = 0; i < p.length; i++) {
            double d = r[i] - r[p.length + i];
            p[i] = d == 0 ? 0.5 : SoftLabelLoss.sigmoid(d);
        }
        return p;
    }
}
