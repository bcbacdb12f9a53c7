package org.rlaif4j.kernels.reference;

/**
 * Masked whitening in plain Java over float arrays (two passes, float64 sums): the baseline
 * for a JVM user who copies tensors out to arrays. Same semantics as
 * {@link org.rlaif4j.kernels.Whiten}.
 */
public final class ArrayWhiten {
    private ArrayWhiten() {}

    public static void masked(float[] x, boolean[] mask, boolean shiftMean, double eps, float[] out) {
        double sum = 0;
        long count = 0;
        for (int i = 0; i < x.length; i++) {
            if (mask[i]) {
                sum += x[i];
                count++;
            }
        }
        double mean = count > 0 ? sum / count : 0.0;
        double m2 = 0;
        for (int i = 0; i < x.length; i++) {
            if (mask[i]) {
                double d = x[i] - mean;
                m2 += d * d;
            }
        }
        double var = count >= 2 ? m2 / (count - 1) : 0.0;
        double inv = 1.0 / Math.sqrt(var + eps);
        double add = shiftMean ? 0.0 : mean;
        for (int i = 0; i < x.length; i++) {
            out[i] = mask[i] ? (float) ((x[i] - mean) * inv + add) : 0f;
        }
    }
}
