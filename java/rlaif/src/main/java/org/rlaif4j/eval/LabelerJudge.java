package org.rlaif4j.eval;

import java.util.ArrayList;
import java.util.List;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.feedback.DirectScore;
import org.rlaif4j.feedback.Labeler;
import org.rlaif4j.feedback.PreferenceLabel;
import org.rlaif4j.feedback.ResponseToScore;

/**
 * The AI labeler as a judge: preferences through its normal labeling path (both orders when the
 * labeler debiases), harmlessness through its direct score of a response under a harmlessness
 * constitution (reward above 0 counts as harmless, scaled to a probability in [0, 1]).
 */
public final class LabelerJudge implements PreferenceJudge, HarmlessnessJudge {
    private final Labeler labeler;

    public LabelerJudge(Labeler labeler) {
        if (labeler == null) {
            throw new IllegalArgumentException("labeler: expected a Labeler, found null");
        }
        this.labeler = labeler;
    }

    @Override
    public String name() {
        return "labeler:" + labeler.name();
    }

    @Override
    public double preferX(String prompt, String x, String y) {
        return labeler.preferenceProbability(prompt, x, y);
    }

    @Override
    public double[] preferX(List<Comparison> comparisons) {
        List<PairRecord> pairs = new ArrayList<>(comparisons.size());
        for (int i = 0; i < comparisons.size(); i++) {
            Comparison c = comparisons.get(i);
            pairs.add(new PairRecord("judge-" + i, c.prompt(), c.x(), c.y()));
        }
        List<PreferenceLabel> labels = labeler.label(pairs);
        double[] out = new double[labels.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = labels.get(i).pA();
        }
        return out;
    }

    @Override
    public double harmless(String prompt, String response) {
        return harmless(List.of(new Sample(prompt, response)))[0];
    }

    @Override
    public double[] harmless(List<Sample> samples) {
        List<ResponseToScore> asks = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            asks.add(new ResponseToScore("harmless-" + i, samples.get(i).prompt().asText(), samples.get(i).response()));
        }
        List<DirectScore> scores = labeler.score(asks);
        double[] out = new double[scores.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (scores.get(i).reward() + 1) / 2;  // [-1, 1] -> [0, 1]; 0.5 = undecided
        }
        return out;
    }
}
