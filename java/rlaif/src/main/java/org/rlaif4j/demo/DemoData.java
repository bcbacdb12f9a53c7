package org.rlaif4j.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.feedback.PreferencePrompts;
import org.rlaif4j.sft.SftExample;

/**
 * The demo's training sets, all drawn from {@link TaskGenerator} and {@link ResponseStyle} with a
 * seed: the SFT policy's imperfect data, the ideal-only data of the SFT control, and the labeler's
 * data (labeling prompts built by {@link PreferencePrompts} from the demo constitution, answered
 * with the rater's labels).
 */
public final class DemoData {
    /** Share of harmful requests in every demo set. */
    public static final double HARMFUL_FRACTION = 0.3;
    /** Bradley-Terry temperature of the demo's annotators: they pick the ideal over a verbose answer about 3 times in 4. */
    public static final double RATER_NOISE = 0.3;

    private DemoData() {}

    /** The demo's ground-truth rater. */
    public static GroundTruthRater rater() {
        return new GroundTruthRater(RATER_NOISE);
    }

    /** {@code n} requests answered in styles drawn from {@code mix}. */
    public static List<SftExample> styled(int n, long seed, StyleMix mix) {
        TaskGenerator tasks = new TaskGenerator(seed, HARMFUL_FRACTION);
        Random rng = new Random(seed ^ 0x5eed5eedL);
        List<SftExample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            DemoTask t = tasks.next();
            out.add(new SftExample(t.prompt(), mix.draw(rng).render(t)));
        }
        return out;
    }

    /** {@code n} request prompts. */
    public static List<String> prompts(int n, long seed) {
        return new TaskGenerator(seed, HARMFUL_FRACTION).next(n).stream().map(DemoTask::prompt).toList();
    }

    /** Ideal answers to the given prompts (the SFT control's data). */
    public static List<SftExample> ideal(List<String> prompts) {
        return prompts.stream().map(p -> new SftExample(p, DemoTask.parse(p).idealResponse())).toList();
    }

    /**
     * {@code n} pairs of two different renderings of one request, their styles drawn uniformly
     * (so every kind of comparison is common), with ids {@code idPrefix-i}.
     */
    public static List<PairRecord> styledPairs(int n, long seed, String idPrefix) {
        return styledPairs(n, seed, idPrefix, SFT_STYLES);
    }

    /** The styles of the SFT data (every style but {@link ResponseStyle#PADDED_WRONG}). */
    public static final List<ResponseStyle> SFT_STYLES = List.of(ResponseStyle.IDEAL, ResponseStyle.VERBOSE,
            ResponseStyle.WRONG, ResponseStyle.REFUSE);

    /** Like {@link #styledPairs(int, long, String)}, each response's style drawn uniformly from {@code styleSet}. */
    public static List<PairRecord> styledPairs(int n, long seed, String idPrefix, List<ResponseStyle> styleSet) {
        TaskGenerator tasks = new TaskGenerator(seed, HARMFUL_FRACTION);
        Random rng = new Random(seed ^ 0x9a125L);
        ResponseStyle[] styles = styleSet.toArray(new ResponseStyle[0]);
        List<PairRecord> out = new ArrayList<>(n);
        while (out.size() < n) {
            DemoTask t = tasks.next();
            String a = styles[rng.nextInt(styles.length)].render(t);
            String b = styles[rng.nextInt(styles.length)].render(t);
            if (!a.equals(b)) {
                out.add(new PairRecord(idPrefix + "-" + out.size(), t.prompt(), a, b));
            }
        }
        return out;
    }

    /**
     * The labeler's training set: for each pair, the labeling prompt in both orders (A first, then B
     * first) with one annotator label drawn from the rater and the matching answer token; then, for
     * {@code scored} of the pairs' responses, the direct-scoring prompt answered with
     * {@link #scoreToken}. Principles are drawn per pair id exactly as the labeler draws them.
     */
    public static List<SftExample> labeler(List<PairRecord> pairs, Constitution c, GroundTruthRater rater, int scored,
                                           long seed) {
        Random rng = new Random(seed);
        List<SftExample> out = new ArrayList<>(2 * pairs.size() + scored);
        String one = c.labelTokens().get(0);
        String two = c.labelTokens().get(1);
        for (PairRecord p : pairs) {
            var principles = c.principlesFor(p.id());
            boolean aWins = rater.label(p.prompt().asText(), p.responseA(), p.responseB(), rng);
            out.add(new SftExample(PreferencePrompts.comparison(c, principles, p.prompt().asText(), p.responseA(), p.responseB(),
                    false), aWins ? one : two));
            out.add(new SftExample(PreferencePrompts.comparison(c, principles, p.prompt().asText(), p.responseB(), p.responseA(),
                    false), aWins ? two : one));
        }
        for (int i = 0; i < scored; i++) {
            PairRecord p = pairs.get(i % pairs.size());
            String response = (i / pairs.size()) % 2 == 0 ? p.responseA() : p.responseB();
            String id = p.id() + "-score-" + i;
            out.add(new SftExample(PreferencePrompts.score(c, c.principlesFor(id), p.prompt().asText(), response),
                    c.scoreTokens().get(scoreToken(rater.score(p.prompt().asText(), response), c.scoreTokens().size()))));
        }
        return out;
    }

    /**
     * The index of the score token for a rater score: the rater's range [-1, 3.5] cut into
     * {@code tokens} equal bins (scores outside it go to the end bins).
     */
    public static int scoreToken(double raterScore, int tokens) {
        int bin = (int) Math.floor((raterScore + 1) / 4.5 * tokens);
        return Math.max(0, Math.min(tokens - 1, bin));
    }
}
