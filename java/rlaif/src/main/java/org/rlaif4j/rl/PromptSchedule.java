package org.rlaif4j.rl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Which prompts an iteration uses: the prompts are read in passes, each pass a fresh seeded
 * permutation, {@code perIteration} at a time. The choice depends only on (seed, iteration), so
 * a resumed run continues the same data order with no saved cursor.
 */
public final class PromptSchedule {
    private final List<String> prompts;
    private final int perIteration;
    private final long seed;

    public PromptSchedule(List<String> prompts, int perIteration, long seed) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("prompts: expected at least one prompt, found none");
        }
        if (perIteration < 1) {
            throw new IllegalArgumentException("batchPrompts: expected >= 1, found " + perIteration);
        }
        this.prompts = List.copyOf(prompts);
        this.perIteration = perIteration;
        this.seed = seed;
    }

    /** The prompts of {@code iteration} (0-based). */
    public List<String> prompts(long iteration) {
        List<String> out = new ArrayList<>(perIteration);
        long first = iteration * perIteration;
        long pass = -1;
        List<Integer> order = null;
        for (long k = first; k < first + perIteration; k++) {
            long p = k / prompts.size();
            if (p != pass) {
                pass = p;
                order = permutation(p);
            }
            out.add(prompts.get(order.get((int) (k % prompts.size()))));
        }
        return out;
    }

    private List<Integer> permutation(long pass) {
        List<Integer> idx = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            idx.add(i);
        }
        Collections.shuffle(idx, new Random(Seeds.mix(seed, 0x5EED, pass)));
        return idx;
    }
}
