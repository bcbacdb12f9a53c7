package org.rlaif4j.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.rlaif4j.kernels.reference.ArrayGae;
import org.rlaif4j.kernels.reference.ArrayWhiten;

/**
 * Runs each kernel once on random CPU data and compares it with its plain-Java reference:
 * proof that the native library loads and computes on this machine.
 */
public final class SelfCheck {
    /** One kernel's outcome: the largest absolute difference from the reference, and the bound it must meet. */
    public record Result(String kernel, String shape, double maxAbsError, double tolerance, double millis) {
        public boolean passed() {
            return maxAbsError <= tolerance;
        }
    }

    private SelfCheck() {}

    public static List<Result> run(long seed) {
        Random rng = new Random(seed);
        List<Result> results = new ArrayList<>();
        int b = 64;
        int t = 512;
        float[] r = gaussian(rng, b * t);
        float[] v = gaussian(rng, b * t);
        float[] boot = gaussian(rng, b);
        boolean[] m = new boolean[b * t];
        for (int i = 0; i < m.length; i++) {
            m[i] = rng.nextDouble() > 0.2;
        }
        try (PointerScope scope = new PointerScope()) {
            GaeConfig cfg = new GaeConfig(0.99, 0.95);
            long start = System.nanoTime();
            GaeResult res = Gae.compute(Tensors.fromFloats(r, b, t), Tensors.fromFloats(v, b, t),
                    Tensors.fromMask(m, b, t), Tensors.fromFloats(boot, b), cfg);
            double ms = (System.nanoTime() - start) / 1e6;
            float[] adv = new float[b * t];
            float[] ret = new float[b * t];
            ArrayGae.compute(r, v, m, boot, b, t, 0.99f, 0.95f, adv, ret);
            double err = Math.max(maxAbsDiff(Tensors.toFloats(res.advantages()), adv),
                    maxAbsDiff(Tensors.toFloats(res.returns()), ret));
            results.add(new Result("gae", b + "x" + t, err, 1e-4, ms));

            start = System.nanoTime();
            float[] w = Tensors.toFloats(Whiten.masked(Tensors.fromFloats(r, b, t), Tensors.fromMask(m, b, t)));
            ms = (System.nanoTime() - start) / 1e6;
            float[] want = new float[b * t];
            ArrayWhiten.masked(r, m, true, Whiten.DEFAULT_EPS, want);
            results.add(new Result("whiten", b + "x" + t, maxAbsDiff(w, want), 1e-5, ms));
        }
        return results;
    }

    private static float[] gaussian(Random rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            if (!(d <= worst)) {
                worst = d; // NaN propagates as a failure
            }
        }
        return worst;
    }
}
