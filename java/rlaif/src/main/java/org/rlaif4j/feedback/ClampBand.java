package org.rlaif4j.feedback;

/**
 * A band that chain-of-thought preference probabilities are clamped into (Constitutional AI uses
 * 0.4-0.6), so that a confident-sounding rationale does not give an over-confident label.
 */
public record ClampBand(double low, double high) {
    public ClampBand {
        if (!(low >= 0 && low <= 0.5 && high >= 0.5 && high <= 1 && low < high)) {
            throw new IllegalArgumentException("cot_clamp: expected [low, high] with 0 <= low <= 0.5 <= high <= 1 and "
                    + "low < high, found [" + low + ", " + high + "]");
        }
    }

    public double clamp(double p) {
        return Math.min(high, Math.max(low, p));
    }
}
