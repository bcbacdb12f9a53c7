package org.rlaif4j.kernels;

/**
 * Statistics over the valid elements of a tensor.
 *
 * @param count number of valid elements
 * @param mean their mean; NaN when count is 0
 * @param variance their unbiased (n - 1) variance; NaN when count is below 2
 */
public record MaskedStats(long count, double mean, double variance) {}
