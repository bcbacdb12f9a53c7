package org.rlaif4j.eval;

/** A two-sided confidence interval for a proportion. */
public record Interval(double low, double high) {
    /** z for a two-sided 95% interval. */
    public static final double Z95 = 1.959963984540054;

    /**
     * The Wilson score interval for {@code successes} out of {@code n} (successes may be fractional,
     * as when ties count one half): centre {@code (p + z²/2n) / (1 + z²/n)}, half-width
     * {@code z / (1 + z²/n) * sqrt(p(1-p)/n + z²/4n²)} with {@code p = successes / n}. Unlike the
     * normal approximation it stays inside [0, 1] and is sensible at 0 and n. {@code n = 0} gives [0, 1].
     */
    public static Interval wilson(double successes, long n, double z) {
        if (n < 0 || !(successes >= 0 && successes <= n)) {
            throw new IllegalArgumentException("successes and n: expected 0 <= successes <= n, found "
                    + successes + " and " + n);
        }
        if (n == 0) {
            return new Interval(0, 1);
        }
        double p = successes / n;
        double z2 = z * z;
        double denom = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denom;
        double half = z / denom * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new Interval(Math.max(0, centre - half), Math.min(1, centre + half));
    }

    public static Interval wilson95(double successes, long n) {
        return wilson(successes, n, Z95);
    }
}
