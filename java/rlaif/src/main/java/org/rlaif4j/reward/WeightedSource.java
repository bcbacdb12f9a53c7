package org.rlaif4j.reward;

import java.nio.file.Path;

/**
 * A preference file and the weight of its pairs in the loss. Each pair's loss is multiplied by its
 * source's weight; weights do not change how often a pair is drawn (every pair is seen once per
 * epoch). So {@code human.jsonl:0.3} with {@code ai.jsonl:1.0} makes a human pair count 0.3 times
 * as much as an AI pair.
 */
public record WeightedSource(Path file, double weight) {
    public WeightedSource {
        if (file == null) {
            throw new IllegalArgumentException("preference file: expected a path, found null");
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight of " + file + ": expected a finite number > 0, found " + weight);
        }
    }

    /**
     * Parses {@code FILE} (weight 1) or {@code FILE:WEIGHT}; the text after the last colon is a weight
     * only when it parses as a number, so paths with colons still work.
     */
    public static WeightedSource parse(String spec) {
        int colon = spec.lastIndexOf(':');
        if (colon > 0) {
            String tail = spec.substring(colon + 1);
            try {
                double w = Double.parseDouble(tail);
                return new WeightedSource(Path.of(spec.substring(0, colon)), w);
            } catch (NumberFormatException e) {
                // not a weight: the colon belongs to the path
            }
        }
        return new WeightedSource(Path.of(spec), 1.0);
    }

    @Override
    public String toString() {
        return file + ":" + weight;
    }
}
