package org.rlaif4j.train;

/** Learning rate as a function of the optimizer step (0-based). */
@FunctionalInterface
public interface LrSchedule {
    double lr(long step);

    static LrSchedule constant(double lr) {
        return step -> lr;
    }

    /**
     * Linear warm-up from 0 to {@code peak} over {@code warmupSteps}, then cosine decay to
     * {@code minLr} at {@code totalSteps}, constant afterwards.
     */
    static LrSchedule warmupCosine(double peak, long warmupSteps, long totalSteps, double minLr) {
        if (warmupSteps < 0 || totalSteps < warmupSteps || totalSteps < 1) {
            throw new IllegalArgumentException("schedule: expected 0 <= warmupSteps <= totalSteps and totalSteps >= 1, found "
                    + warmupSteps + ", " + totalSteps);
        }
        return step -> {
            if (step < warmupSteps) {
                return peak * (step + 1) / warmupSteps;
            }
            if (step >= totalSteps) {
                return minLr;
            }
            double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
            return minLr + 0.5 * (peak - minLr) * (1 + Math.cos(Math.PI * progress));
        };
    }
}
