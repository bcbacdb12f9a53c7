package org.rlaif4j.train;

/**
 * AdamW hyper-parameters. Weight decay applies to matrices (dim >= 2) only; biases, norm weights and
 * other vectors go to a group without decay, as is usual for transformers.
 */
public record AdamWConfig(double lr, double beta1, double beta2, double eps, double weightDecay) {
    public AdamWConfig {
        if (!(lr >= 0)) {
            throw new IllegalArgumentException("lr: expected >= 0, found " + lr);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas: expected values in [0, 1), found " + beta1 + ", " + beta2);
        }
        if (!(eps > 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("eps > 0 and weightDecay >= 0 expected, found " + eps + ", " + weightDecay);
        }
    }

    /** lr as given, betas (0.9, 0.95), eps 1e-8, weight decay 0.1. */
    public static AdamWConfig of(double lr) {
        return new AdamWConfig(lr, 0.9, 0.95, 1e-8, 0.1);
    }

    public AdamWConfig withWeightDecay(double wd) {
        return new AdamWConfig(lr, beta1, beta2, eps, wd);
    }
}
