package org.rlaif4j.demo;

import java.util.Locale;
import org.rlaif4j.eval.Interval;

/** A measured share with its 95% Wilson interval ({@code successes} may be fractional: ties count 1/2). */
public record Proportion(double successes, int n, double value, Interval ci) {
    public static Proportion of(double successes, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: expected at least one trial, found " + n);
        }
        return new Proportion(successes, n, successes / n, Interval.wilson95(successes, n));
    }

    /** "72.5% [68.0, 76.6] (n=400)" */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f] (n=%d)", 100 * value, 100 * ci.low(), 100 * ci.high(), n);
    }
}
