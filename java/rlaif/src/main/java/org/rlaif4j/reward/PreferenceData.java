package org.rlaif4j.reward;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.Line;
import org.rlaif4j.data.PreferenceRecord;

/** Loads weighted preference files into encoded pairs and splits them into train and eval sets. */
public final class PreferenceData {
    private PreferenceData() {}

    /** Train and eval pairs. */
    public record Split(List<PreferenceExample> train, List<PreferenceExample> eval) {
        public Split {
            train = List.copyOf(train);
            eval = List.copyOf(eval);
        }
    }

    /**
     * Reads and encodes every pair of every source. A line is bad (reported as {@code file:line:},
     * stopping the load or skipped per {@code policy}) when it is not JSON, misses a field, has an
     * empty response, or cannot be encoded (too long under {@link TruncationPolicy#FAIL}).
     *
     * @throws DataFormatException at the first bad line under FAIL, or when no pair is left
     */
    public static List<PreferenceExample> load(List<WeightedSource> sources, PairEncoder encoder, BadLinePolicy policy,
                                               Consumer<String> warn) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("preference files: expected at least one");
        }
        List<PreferenceExample> out = new ArrayList<>();
        for (WeightedSource src : sources) {
            out.addAll(readSource(src, encoder, policy, warn));
        }
        if (out.isEmpty()) {
            throw new DataFormatException("no usable preference pairs in " + sources);
        }
        return out;
    }

    private static List<PreferenceExample> readSource(WeightedSource src, PairEncoder encoder, BadLinePolicy policy,
                                                      Consumer<String> warn) {
        List<PreferenceExample> out = new ArrayList<>();
        for (Line<ObjectNode> line : Jsonl.read(src.file(), o -> o, policy, warn)) {
            String origin = src.file() + ":" + line.number();
            try {
                PreferenceRecord r = PreferenceRecord.fromJson(line.value(), line.number());
                out.add(new PreferenceExample(origin, r, src.weight(), encode(encoder, r.prompt(), r.responseA(), "A"),
                        encode(encoder, r.prompt(), r.responseB(), "B")));
            } catch (IllegalArgumentException | DataFormatException e) {
                String message = origin + ": " + e.getMessage();
                if (policy == BadLinePolicy.FAIL) {
                    throw new DataFormatException(message, e);
                }
                warn.accept(message);
            }
        }
        return out;
    }

    private static long[] encode(PairEncoder encoder, org.rlaif4j.data.Prompt prompt, String response, String which) {
        try {
            return encoder.encode(prompt, response);
        } catch (IllegalArgumentException e) {
            throw new DataFormatException("response " + which + ": " + e.getMessage());
        }
    }

    /**
     * Splits {@code all} with a seeded shuffle: the first {@code round(fraction * n)} pairs (at
     * least one when {@code fraction > 0}) go to eval, the rest to train, both in the shuffled order.
     */
    public static Split split(List<PreferenceExample> all, double evalFraction, long seed) {
        if (!(evalFraction >= 0 && evalFraction < 1)) {
            throw new IllegalArgumentException("eval fraction: expected a number in [0, 1), found " + evalFraction);
        }
        List<PreferenceExample> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new Random(seed));
        int nEval = evalFraction == 0 ? 0 : (int) Math.max(1, Math.round(evalFraction * all.size()));
        if (nEval >= all.size()) {
            throw new IllegalArgumentException("eval fraction " + evalFraction + " of " + all.size()
                    + " pairs leaves no training pair");
        }
        return new Split(shuffled.subList(nEval, shuffled.size()), shuffled.subList(0, nEval));
    }
}
