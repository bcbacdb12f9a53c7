package org.rlaif4j.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.Line;
import org.rlaif4j.data.PairRecord;

/**
 * Win rate of policy X over policy Y: a judge compares X's and Y's responses to the same prompts.
 *
 * <p>A comparison is a win when the judge's {@code P(x preferred) > 0.5 + tieMargin}, a loss when
 * below {@code 0.5 - tieMargin}, otherwise a tie (with the default margin 0, only an exact 0.5).
 * {@code winRate = (wins + ties / 2) / n}: a tie is half a win, so 50% means "no better than Y";
 * its 95% Wilson interval uses the same fractional count. {@code decisiveWinRate = wins / (wins + losses)}
 * leaves ties out; both are reported with the counts. With {@code bothOrders} the judge also sees
 * (y, x) and the two answers are averaged, {@code (P(x|x,y) + 1 - P(y|y,x)) / 2}, cancelling a
 * judge's position bias.
 */
public final class WinRate {
    private WinRate() {}

    /**
     * @param interval        Wilson 95% interval of winRate
     * @param decisiveInterval Wilson 95% interval of decisiveWinRate
     */
    public record Result(String judge, String xSource, String ySource, int comparisons, int wins, int losses, int ties,
                         double tieMargin, boolean bothOrders, double winRate, Interval interval, double decisiveWinRate,
                         Interval decisiveInterval, int skippedLines) implements EvalResult {
        @Override
        public String metric() {
            return "win_rate";
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = Jsonl.mapper().createObjectNode();
            o.put("metric", metric()).put("judge", judge).put("x", xSource).put("y", ySource);
            o.put("comparisons", comparisons).put("wins", wins).put("losses", losses).put("ties", ties);
            EvalReport.put(o, "win_rate", winRate);
            EvalReport.putInterval(o, "ci95", interval);
            EvalReport.put(o, "decisive_win_rate", decisiveWinRate);
            EvalReport.putInterval(o, "decisive_ci95", decisiveInterval);
            o.put("tie_margin", tieMargin).put("both_orders", bothOrders).put("skipped_lines", skippedLines);
            o.put("tie_rule", "win_rate counts a tie as half a win; decisive_win_rate leaves ties out");
            return o;
        }

        @Override
        public String toMarkdown() {
            return EvalReport.table("Win rate of X over Y", new String[][] {
                {"judge", judge}, {"X", xSource}, {"Y", ySource}, {"comparisons", Integer.toString(comparisons)},
                {"wins / losses / ties", wins + " / " + losses + " / " + ties},
                {"win rate (tie = 1/2)", EvalReport.pct(winRate)}, {"95% CI (Wilson)", EvalReport.ci(interval)},
                {"decisive win rate (ties left out)", EvalReport.pct(decisiveWinRate)},
                {"decisive 95% CI (Wilson)", EvalReport.ci(decisiveInterval)},
                {"tie band", String.format(Locale.ROOT, "|P - 0.5| <= %s", tieMargin)},
                {"both orders judged", Boolean.toString(bothOrders)}, {"skipped bad lines", Integer.toString(skippedLines)}});
        }
    }

    /**
     * Reads a pairs JSONL ({@code prompt}, {@code response_a} from policy X, {@code response_b} from
     * policy Y) as comparisons; missing fields and empty responses are bad lines.
     */
    public static List<PreferenceJudge.Comparison> readPairs(Path file, BadLinePolicy policy, Consumer<String> warn) {
        List<PreferenceJudge.Comparison> out = new ArrayList<>();
        for (Line<ObjectNode> line : Jsonl.read(file, o -> o, policy, warn)) {
            String origin = file + ":" + line.number();
            try {
                PairRecord r = PairRecord.fromJson(line.value(), line.number());
                LabeledPair.requireNonEmpty(r.responseA(), "response_a");
                LabeledPair.requireNonEmpty(r.responseB(), "response_b");
                out.add(new PreferenceJudge.Comparison(r.prompt(), r.responseA(), r.responseB()));
            } catch (IllegalArgumentException | DataFormatException e) {
                if (policy == BadLinePolicy.FAIL) {
                    throw new DataFormatException(origin + ": " + e.getMessage(), e);
                }
                warn.accept(origin + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** Pairs X's and Y's responses by id when every record has one, else by prompt; unmatched records are an error. */
    public static List<PreferenceJudge.Comparison> match(List<PolicyResponse> x, List<PolicyResponse> y) {
        boolean byId = x.stream().allMatch(r -> r.explicitId() != null) && y.stream().allMatch(r -> r.explicitId() != null);
        Map<String, PolicyResponse> ys = index(y, byId);
        Map<String, PolicyResponse> xs = index(x, byId);
        List<String> unmatched = new ArrayList<>();
        List<PreferenceJudge.Comparison> out = new ArrayList<>();
        for (PolicyResponse r : x) {
            PolicyResponse other = ys.get(byId ? r.explicitId() : r.prompt().key());
            if (other == null) {
                unmatched.add(r.origin());
            } else if (!other.prompt().equals(r.prompt())) {
                throw new DataFormatException(r.origin() + ": id '" + r.explicitId() + "' matches " + other.origin()
                        + " but the prompts differ");
            } else {
                out.add(new PreferenceJudge.Comparison(r.prompt(), r.response(), other.response()));
            }
        }
        for (PolicyResponse r : y) {
            if (!xs.containsKey(byId ? r.explicitId() : r.prompt().key())) {
                unmatched.add(r.origin());
            }
        }
        if (!unmatched.isEmpty()) {
            throw new DataFormatException(unmatched.size() + " response(s) have no counterpart in the other policy's file "
                    + "(matched by " + (byId ? "id" : "prompt") + "), first: " + unmatched.subList(0, Math.min(5, unmatched.size())));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no comparisons: the response files are empty");
        }
        return out;
    }

    private static Map<String, PolicyResponse> index(List<PolicyResponse> rs, boolean byId) {
        Map<String, PolicyResponse> m = new LinkedHashMap<>();
        for (PolicyResponse r : rs) {
            PolicyResponse prev = m.put(byId ? r.explicitId() : r.prompt().key(), r);
            if (prev != null) {
                throw new DataFormatException(r.origin() + ": duplicate " + (byId ? "id" : "prompt") + " (also at "
                        + prev.origin() + "); give each line an id to compare several responses per prompt");
            }
        }
        return m;
    }

    /** Judges every comparison and counts wins, losses and ties. */
    public static Result compute(PreferenceJudge judge, List<PreferenceJudge.Comparison> comparisons, String xSource,
                                 String ySource, double tieMargin, boolean bothOrders, int skippedLines) {
        if (!(tieMargin >= 0 && tieMargin < 0.5)) {
            throw new IllegalArgumentException("tie margin: expected a number in [0, 0.5), found " + tieMargin);
        }
        if (comparisons.isEmpty()) {
            throw new IllegalArgumentException("comparisons: expected at least one");
        }
        double[] p = judge.preferX(comparisons);
        if (bothOrders) {
            List<PreferenceJudge.Comparison> swapped = comparisons.stream()
                    .map(c -> new PreferenceJudge.Comparison(c.prompt(), c.y(), c.x())).toList();
            double[] q = judge.preferX(swapped);
            for (int i = 0; i < p.length; i++) {
                p[i] = 0.5 + (p[i] - q[i]) / 2; // = (p + 1 - q) / 2, but exactly 0.5 when p == q
            }
        }
        int wins = 0;
        int losses = 0;
        for (int i = 0; i < p.length; i++) {
            if (!(p[i] >= 0 && p[i] <= 1)) {
                throw new IllegalStateException("judge " + judge.name() + ": expected a probability in [0, 1], found " + p[i]);
            }
            if (p[i] > 0.5 + tieMargin) {
                wins++;
            } else if (p[i] < 0.5 - tieMargin) {
                losses++;
            }
        }
        int n = p.length;
        int ties = n - wins - losses;
        double success = wins + ties / 2.0;
        int decisive = wins + losses;
        return new Result(judge.name(), xSource, ySource, n, wins, losses, ties, tieMargin, bothOrders, success / n,
                Interval.wilson95(success, n), decisive == 0 ? Double.NaN : (double) wins / decisive,
                Interval.wilson95(wins, decisive), skippedLines);
    }
}
