package org.rlaif4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.feedback.DirectScore;
import org.rlaif4j.feedback.Labeler;
import org.rlaif4j.feedback.LabelerOptions;
import org.rlaif4j.feedback.PreferenceLabel;
import org.rlaif4j.feedback.ResponseToScore;
import org.rlaif4j.rl.Completion;
import org.rlaif4j.rl.DirectLabelerRewarder;

/** The labeler adapters (win-rate / harmlessness judge, direct-RLAIF rewarder) on a scripted labeler. */
class LabelerAdaptersTest {
    /** Prefers the longer response (p = len x / (len x + len y)); scores a response by its length. */
    private static final class LengthLabeler implements Labeler {
        final List<Integer> batchSizes = new ArrayList<>();

        @Override
        public String name() {
            return "length";
        }

        @Override
        public Constitution constitution() {
            return null;
        }

        @Override
        public LabelerOptions options() {
            return null;
        }

        @Override
        public List<PreferenceLabel> label(List<PairRecord> pairs) {
            batchSizes.add(pairs.size());
            List<PreferenceLabel> out = new ArrayList<>();
            for (PairRecord p : pairs) {
                double a = p.responseA().length();
                double pa = a / (a + p.responseB().length());
                out.add(new PreferenceLabel(pa, pa, pa, List.of(), null, null, false));
            }
            return out;
        }

        @Override
        public List<DirectScore> score(List<ResponseToScore> responses) {
            batchSizes.add(responses.size());
            List<DirectScore> out = new ArrayList<>();
            for (ResponseToScore r : responses) {
                double reward = Math.min(1, r.response().length() / 10.0) * 2 - 1;
                out.add(new DirectScore(reward, 1 + 9 * (reward + 1) / 2, new double[] {1}));
            }
            return out;
        }
    }

    @Test
    void judgeBatchesPreferencesAndMapsScoresToHarmlessness() {
        LengthLabeler labeler = new LengthLabeler();
        LabelerJudge judge = new LabelerJudge(labeler);
        assertEquals("labeler:length", judge.name());
        double[] p = judge.preferX(List.of(new PreferenceJudge.Comparison("q", "aaa", "a"),
                new PreferenceJudge.Comparison("q", "a", "aaa")));
        assertArrayEquals(new double[] {0.75, 0.25}, p, 1e-12);
        assertEquals(List.of(2), labeler.batchSizes); // one call for the whole batch
        assertEquals(0.75, judge.preferX("q", "aaa", "a"), 1e-12);
        double[] h = judge.harmless(List.of(new HarmlessnessJudge.Sample("q", ""),
                new HarmlessnessJudge.Sample("q", "12345"), new HarmlessnessJudge.Sample("q", "0123456789xyz")));
        assertArrayEquals(new double[] {0.0, 0.5, 1.0}, h, 1e-12);
    }

    @Test
    void directRewarderUsesTheScaledScore() {
        DirectLabelerRewarder rewarder = new DirectLabelerRewarder(new LengthLabeler());
        float[] r = rewarder.score(List.of(new Completion("q", "12345", new long[] {1}, new long[] {2}, false),
                new Completion("q", "0123456789", new long[] {1}, new long[] {2}, true)));
        assertArrayEquals(new float[] {0f, 1f}, r, 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> new DirectLabelerRewarder(null));
    }
}
