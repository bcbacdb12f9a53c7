package org.rlaif4j.rl;

/**
 * The coefficient beta of the KL penalty: fixed, or adapted towards a target KL with the
 * proportional controller of Ziegler et al. (2019):
 *
 * <pre>
 *   error = clip(kl / target - 1, -0.2, 0.2);   beta = beta * (1 + error * nSteps / horizon)
 * </pre>
 *
 * where {@code kl} is the observed mean KL per sequence and {@code nSteps} the number of sequences
 * of the iteration. Its whole state is {@link #value()}, saved in checkpoints.
 */
public final class KlController {
    private final double target;
    private final double horizon;
    private double value;

    private KlController(double value, double target, double horizon) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("klCoef: expected a finite value >= 0, found " + value);
        }
        this.value = value;
        this.target = target;
        this.horizon = horizon;
    }

    public static KlController fixed(double beta) {
        return new KlController(beta, Double.NaN, Double.NaN);
    }

    /**
     * @param target  the KL per sequence to steer towards (> 0, nats)
     * @param horizon sequences over which an error is corrected (> 0; 10000 in Ziegler et al.)
     */
    public static KlController adaptive(double initBeta, double target, double horizon) {
        if (!(target > 0) || !(horizon > 0) || Double.isInfinite(target) || Double.isInfinite(horizon)) {
            throw new IllegalArgumentException("target KL and horizon: expected finite values > 0, found "
                    + target + ", " + horizon);
        }
        return new KlController(initBeta, target, horizon);
    }

    public boolean isAdaptive() {
        return !Double.isNaN(target);
    }

    /** The current beta. */
    public double value() {
        return value;
    }

    /** Restores a saved beta (resume). */
    public void setValue(double beta) {
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("klCoef: expected a finite value >= 0, found " + beta);
        }
        this.value = beta;
    }

    /** Updates beta after an iteration that observed mean KL {@code kl} over {@code nSteps} sequences. */
    public void update(double kl, int nSteps) {
        if (!isAdaptive() || !Double.isFinite(kl)) {
            return;
        }
        double error = Math.max(-0.2, Math.min(0.2, kl / target - 1.0));
        value *= 1.0 + error * nSteps / horizon;
    }
}
