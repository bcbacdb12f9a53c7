package org.rlaif4j.feedback;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import org.rlaif4j.data.PairRecord;

/**
 * The labeling method, shared by every backend: build the constitution's prompts for each
 * comparison (principles drawn per pair, both orders), optionally generate a greedy rationale and
 * append the ending, read the label tokens' next-token log-probs, and combine them. A backend only
 * supplies next-token log-probs, greedy continuations and its context size.
 */
public abstract class PromptLabeler implements Labeler {
    private final Constitution constitution;
    private final LabelerOptions options;

    protected PromptLabeler(Constitution constitution, LabelerOptions options) {
        this.constitution = constitution;
        this.options = options;
    }

    /**
     * Log-probabilities of each candidate as the continuation of each prompt, which ends with
     * {@code ending}: {@code [prompt][candidate]}, all finite. A candidate the backend reads as
     * several tokens gets the probability of the whole continuation, and one that begins another
     * ("1" of "10") only the mass that does not go on to the other, so candidates never share
     * probability. Prompts may be batched in any way; the result must not depend on how.
     */
    protected abstract double[][] continuationLogProbs(List<String> prompts, String ending, List<String> candidates);

    /** Greedy continuations of at most {@code maxTokens} tokens, one per prompt. */
    protected abstract List<String> greedyContinuations(List<String> prompts, int maxTokens);

    /** Tokens the backend reads at once, or -1 when it enforces its own limit (a server). */
    protected abstract int contextTokens();

    /** Tokens of {@code text} as the backend counts them (only called when {@link #contextTokens} is known). */
    protected abstract int countTokens(String text);

    @Override
    public final Constitution constitution() {
        return constitution;
    }

    @Override
    public final LabelerOptions options() {
        return options;
    }

    /** One prompt to read: which pair, with which principles, in which order. */
    private record Query(int pair, int principleSet, boolean aFirst, String prompt) {
    }

    @Override
    public final List<PreferenceLabel> label(List<PairRecord> pairs) {
        if (pairs.isEmpty()) {
            return List.of();
        }
        boolean cot = options.chainOfThought();
        List<Query> queries = new ArrayList<>();
        List<List<List<Principle>>> sets = new ArrayList<>();
        List<Boolean> truncated = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            List<List<Principle>> s = principleSets(pairs.get(i).id());
            sets.add(s);
            Truncation.Fitted fitted = fitComparison(pairs.get(i), s);
            truncated.add(fitted.truncated());
            PairRecord p = fitted.pair();
            for (int k = 0; k < s.size(); k++) {
                queries.add(new Query(i, k, true, PreferencePrompts.comparison(constitution, s.get(k), p.prompt().asText(),
                        p.responseA(), p.responseB(), cot)));
                if (options.swapOrders()) {
                    queries.add(new Query(i, k, false, PreferencePrompts.comparison(constitution, s.get(k), p.prompt().asText(),
                            p.responseB(), p.responseA(), cot)));
                }
            }
        }
        List<String> prompts = queries.stream().map(Query::prompt).toList();
        List<String> rationales = null;
        if (cot) {
            rationales = greedyContinuations(prompts, options.cotMaxTokens()).stream().map(this::untilEnding).toList();
            List<String> scored = new ArrayList<>(prompts.size());
            for (int q = 0; q < prompts.size(); q++) {
                scored.add(PreferencePrompts.afterRationale(constitution, prompts.get(q), rationales.get(q)));
            }
            prompts = scored;
        }
        double[][] lps = continuationLogProbs(prompts, constitution.ending(), constitution.labelTokens());

        double[] sumAb = new double[pairs.size()];
        double[] sumBa = new double[pairs.size()];
        List<List<String>> ratAb = new ArrayList<>();
        List<List<String>> ratBa = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            ratAb.add(new ArrayList<>());
            ratBa.add(new ArrayList<>());
        }
        for (int q = 0; q < queries.size(); q++) {
            Query query = queries.get(q);
            double pFirst = PreferenceMath.firstOfTwo(lps[q][0], lps[q][1]);
            double pA = query.aFirst() ? pFirst : 1 - pFirst; // B first: label "2" means A
            if (cot && constitution.cotClamp() != null) {
                pA = constitution.cotClamp().clamp(pA);
            }
            (query.aFirst() ? sumAb : sumBa)[query.pair()] += pA;
            if (cot) {
                List<Principle> s = sets.get(query.pair()).get(query.principleSet());
                String r = rationales.get(q).strip();
                String tagged = sets.get(query.pair()).size() > 1 ? "[" + s.get(0).name() + "] " + r : r;
                (query.aFirst() ? ratAb : ratBa).get(query.pair()).add(tagged);
            }
        }
        List<PreferenceLabel> out = new ArrayList<>(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            int k = sets.get(i).size();
            double pAb = sumAb[i] / k;
            double pBa = options.swapOrders() ? sumBa[i] / k : Double.NaN;
            double pA = options.swapOrders() ? PreferenceMath.debiased(pAb, pBa) : pAb;
            List<String> names = sets.get(i).stream().flatMap(List::stream).map(Principle::name).toList();
            out.add(new PreferenceLabel(pA, pAb, pBa, names, cot ? String.join("\n\n", ratAb.get(i)) : null,
                    cot && options.swapOrders() ? String.join("\n\n", ratBa.get(i)) : null, truncated.get(i)));
        }
        return out;
    }

    @Override
    public final void check(List<PairRecord> pairs) {
        for (PairRecord p : pairs) {
            fitComparison(p, principleSets(p.id()));
        }
    }

    @Override
    public final List<DirectScore> score(List<ResponseToScore> responses) {
        if (responses.isEmpty()) {
            return List.of();
        }
        List<String> prompts = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        int[] count = new int[responses.size()];
        for (int i = 0; i < responses.size(); i++) {
            ResponseToScore r = responses.get(i);
            List<List<Principle>> s = principleSets(r.id());
            PairRecord asPair = new PairRecord(r.id(), r.prompt(), r.response(), "");
            PairRecord p = fit(asPair, x -> s.stream().mapToInt(ps -> countTokens(PreferencePrompts.score(constitution,
                    ps, x.prompt().asText(), x.responseA()))).max().orElseThrow(), contextTokens(),
                    "the labeler's context of " + contextTokens() + " tokens").pair();
            for (List<Principle> ps : s) {
                prompts.add(PreferencePrompts.score(constitution, ps, p.prompt().asText(), p.responseA()));
                owner.add(i);
            }
            count[i] = s.size();
        }
        double[][] lps = continuationLogProbs(prompts, constitution.scoreEnding(), constitution.scoreTokens());
        int n = constitution.scoreTokens().size();
        double[][] probs = new double[responses.size()][n];
        for (int q = 0; q < prompts.size(); q++) {
            double[] p = PreferenceMath.directScore(lps[q]).probabilities();
            int i = owner.get(q);
            for (int j = 0; j < n; j++) {
                probs[i][j] += p[j] / count[i];
            }
        }
        List<DirectScore> out = new ArrayList<>(responses.size());
        for (double[] p : probs) {
            out.add(PreferenceMath.ofDistribution(p)); // the ensemble's mean distribution
        }
        return out;
    }

    /** A rationale up to where the labeler starts writing the ending (and its own label) itself. */
    private String untilEnding(String rationale) {
        int at = rationale.indexOf(constitution.ending());
        return at < 0 ? rationale : rationale.substring(0, at);
    }

    /** The principle lists to prompt with for one comparison: one list, or one per ensemble member. */
    private List<List<Principle>> principleSets(String id) {
        List<Principle> drawn = constitution.principlesFor(id);
        if (constitution.principleMode() == PrincipleMode.ENSEMBLE) {
            return drawn.stream().map(List::of).toList();
        }
        return List.of(drawn);
    }

    private Truncation.Fitted fitComparison(PairRecord pair, List<List<Principle>> sets) {
        int reserve = options.chainOfThought()
                ? options.cotMaxTokens() + countTokensIfKnown("\n" + constitution.ending()) : 0;
        String note = "the labeler's context of " + contextTokens() + " tokens"
                + (reserve > 0 ? " less " + reserve + " for the rationale and ending" : "");
        return fit(pair, p -> {
            int max = 0;
            for (List<Principle> s : sets) {
                max = Math.max(max, countTokens(PreferencePrompts.comparison(constitution, s, p.prompt().asText(),
                        p.responseA(), p.responseB(), options.chainOfThought())));
                if (options.swapOrders()) {
                    max = Math.max(max, countTokens(PreferencePrompts.comparison(constitution, s, p.prompt().asText(),
                            p.responseB(), p.responseA(), options.chainOfThought())));
                }
            }
            return max;
        }, contextTokens() - reserve, note);
    }

    private Truncation.Fitted fit(PairRecord pair, ToIntFunction<PairRecord> tokens, int budget,
                                  String note) {
        if (contextTokens() < 0) {
            return new Truncation.Fitted(pair, false); // the server checks lengths itself
        }
        return Truncation.fit(pair, tokens, budget, options.tooLong(), note);
    }

    private int countTokensIfKnown(String text) {
        return contextTokens() < 0 ? 0 : countTokens(text);
    }
}
