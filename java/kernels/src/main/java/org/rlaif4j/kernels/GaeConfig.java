package org.rlaif4j.kernels;

/**
 * Discount and GAE mixing factor.
 *
 * @param gamma discount per valid step, in [0, 1]
 * @param lambda GAE lambda, in [0, 1]: 0 gives one-step TD advantages, 1 Monte-Carlo returns minus values
 */
public record GaeConfig(double gamma, double lambda) {
    /** gamma = 1 and lambda = 0.95, the usual choice for RLHF/RLAIF where rewards arrive at the last token. */
    public static final GaeConfig RLHF_DEFAULT = new GaeConfig(1.0, 0.95);

    public GaeConfig {
        TensorChecks.requireUnitInterval(gamma, "gamma");
        TensorChecks.requireUnitInterval(lambda, "lambda");
    }
}
