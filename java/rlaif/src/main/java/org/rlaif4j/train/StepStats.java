package org.rlaif4j.train;

/**
 * What one optimizer step did.
 * @param step     0-based index of the step
 * @param loss     mean of the micro-batch losses (before the 1/n accumulation scaling)
 * @param gradNorm global gradient norm before clipping
 * @param lr       learning rate used
 */
public record StepStats(long step, double loss, double gradNorm, double lr) {}
