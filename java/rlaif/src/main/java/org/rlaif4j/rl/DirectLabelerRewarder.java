package org.rlaif4j.rl;

import java.util.ArrayList;
import java.util.List;
import org.rlaif4j.feedback.DirectScore;
import org.rlaif4j.feedback.Labeler;
import org.rlaif4j.feedback.ResponseToScore;

/**
 * Direct RLAIF (Lee et al. 2023): the AI labeler's 1-10 score of each response, probability
 * weighted and scaled to [-1, 1], is the sequence reward itself; no reward model is trained.
 * The labeler is used through its normal scoring path ({@link Labeler#score}).
 */
public final class DirectLabelerRewarder implements SequenceRewarder {
    private final Labeler labeler;

    public DirectLabelerRewarder(Labeler labeler) {
        if (labeler == null) {
            throw new IllegalArgumentException("labeler: expected a Labeler, found null");
        }
        this.labeler = labeler;
    }

    @Override
    public float[] score(List<Completion> batch) {
        List<ResponseToScore> asks = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            asks.add(new ResponseToScore("rollout-" + i, batch.get(i).prompt(), batch.get(i).response()));
        }
        List<DirectScore> scores = labeler.score(asks);
        if (scores.size() != batch.size()) {
            throw new IllegalStateException("labeler " + labeler.name() + ": expected " + batch.size()
                    + " scores, found " + scores.size());
        }
        float[] out = new float[batch.size()];
        for (int i = 0; i < out.length; i++) {
            double r = scores.get(i).reward();
            if (!Double.isFinite(r)) {
                throw new IllegalStateException("labeler " + labeler.name() + ": expected a finite score for rollout "
                        + i + ", found " + r);
            }
            out[i] = (float) r;
        }
        return out;
    }
}
