package org.rlaif4j.kernels;

import java.util.Random;

/**
 * Fresh random inputs for each run; the seed is printed in every failure message and can be
 * pinned with -Drlaif.test.seed=N to reproduce one.
 */
final class TestData {
    final long seed;
    final Random rng;

    TestData() {
        String pinned = System.getProperty("rlaif.test.seed");
        this.seed = pinned != null ? Long.parseLong(pinned) : System.nanoTime();
        this.rng = new Random(seed);
    }

    enum MaskKind { ALL_TRUE, ALL_FALSE, HOLES, LEFT_PAD, RIGHT_PAD }

    float[] normal(int n, double mean, double std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (mean + std * rng.nextGaussian());
        }
        return x;
    }

    boolean[] mask(MaskKind kind, int b, int t) {
        boolean[] m = new boolean[b * t];
        for (int row = 0; row < b; row++) {
            int len = rng.nextInt(t + 1);
            for (int step = 0; step < t; step++) {
                boolean v;
                switch (kind) {
                    case ALL_TRUE: v = true; break;
                    case ALL_FALSE: v = false; break;
                    case HOLES: v = rng.nextDouble() >= 0.3; break;
                    case LEFT_PAD: v = step >= t - len; break;
                    default: v = step < len; break;
                }
                m[row * t + step] = v;
            }
        }
        return m;
    }

    /** Scaled error max |got - want| / (atol + rtol |want|) over all elements; must be <= 1. */
    static double worstScaledError(float[] got, double[] want, double atol, double rtol) {
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            double e = Math.abs(got[i] - want[i]) / (atol + rtol * Math.abs(want[i]));
            if (!(e <= worst)) {
                worst = e;
            }
        }
        return worst;
    }

    static double[] toDoubles(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
