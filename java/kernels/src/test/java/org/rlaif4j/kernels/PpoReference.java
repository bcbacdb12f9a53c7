package org.rlaif4j.kernels;

import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.kernels.TestData.MaskKind;

/**
 * The PPO loss, its statistics and gradients in float64, written plainly from the math as a case
 * analysis (which clip binds) rather than as the kernel's max/min formulation, plus the random
 * batches the tests feed it. Batches keep every token away from the kinks of the loss (a token
 * near one is drawn again), where float32 rounding could land on the other side than float64;
 * exact kinks are tested on their own.
 */
final class PpoReference {
    static final double BOUND = 20.0;

    /** One batch as Java arrays; optional parts are null. */
    static final class Batch {
        final int b;
        final int t;
        final boolean[] mask;
        final float[] logp;
        final float[] oldLogp;
        final float[] adv;
        float[] ref;
        float[] values;
        float[] oldValues;
        float[] returns;
        float[] entropy;
        float[] isw;

        Batch(int b, int t, boolean[] mask) {
            this.b = b;
            this.t = t;
            this.mask = mask;
            this.logp = new float[b * t];
            this.oldLogp = new float[b * t];
            this.adv = new float[b * t];
        }

        /** Fresh CPU tensors; logp, values and entropy require grad when {@code grad}. */
        PpoInputs tensors(boolean grad) {
            PpoInputs in = PpoInputs.of(leaf(logp, grad), make(oldLogp), make(adv), Tensors.fromMask(mask, b, t));
            if (ref != null) {
                in = in.withReference(make(ref));
            }
            if (values != null) {
                in = in.withValues(leaf(values, grad), make(oldValues), make(returns));
            }
            if (entropy != null) {
                in = in.withEntropy(leaf(entropy, grad));
            }
            if (isw != null) {
                in = in.withImportanceWeights(make(isw));
            }
            return in;
        }

        private Tensor make(float[] x) {
            return Tensors.fromFloats(x, b, t);
        }

        private Tensor leaf(float[] x, boolean grad) {
            Tensor l = make(x);
            return grad ? l.requires_grad_(true) : l;
        }
    }

    /**
     * Random batch: old log-probs around -2, logratios mostly N(0, 0.6) with 5% up to +-25 (far
     * outside the clip range, some beyond the clamp), reference logratios likewise. Row 1 is
     * empty when b >= 3. Masked positions hold {@code padding} (NaN checks they are never read;
     * the eager composition needs finite padding).
     */
    static Batch random(TestData data, int b, int t, MaskKind kind, PpoConfig cfg, boolean ref, boolean values,
            boolean entropy, float padding) {
        boolean[] mask = data.mask(kind, b, t);
        if (b >= 3) {
            java.util.Arrays.fill(mask, t, 2 * t, false);
        }
        Batch x = new Batch(b, t, mask);
        int n = b * t;
        x.ref = ref ? new float[n] : null;
        x.values = values ? new float[n] : null;
        x.oldValues = values ? new float[n] : null;
        x.returns = values ? new float[n] : null;
        x.entropy = entropy ? new float[n] : null;
        java.util.Random rng = data.rng;
        for (int i = 0; i < n; i++) {
            if (!mask[i]) {
                for (float[] a : new float[][] {x.logp, x.oldLogp, x.adv, x.ref, x.values, x.oldValues, x.returns,
                        x.entropy, x.isw}) {
                    if (a != null) {
                        a[i] = padding;
                    }
                }
                continue;
            }
            while (true) {
                float old = (float) (-2.0 + rng.nextGaussian());
                double lr = rng.nextDouble() < 0.05 ? 50.0 * (rng.nextDouble() - 0.5) : 0.6 * rng.nextGaussian();
                float logp = (float) (old + lr);
                float a = (float) rng.nextGaussian();
                double dref = rng.nextDouble() < 0.03 ? 50.0 * (rng.nextDouble() - 0.5) : 0.5 * rng.nextGaussian();
                float rf = (float) (logp + dref);
                float v = (float) rng.nextGaussian();
                float ov = (float) (v + 0.3 * rng.nextGaussian());
                float ret = (float) rng.nextGaussian();
                if (nearKink(cfg, logp, old, a, ref ? rf : 0f, v, ov, ret)) {
                    continue;
                }
                x.logp[i] = logp;
                x.oldLogp[i] = old;
                x.adv[i] = a;
                if (ref) {
                    x.ref[i] = rf;
                }
                if (values) {
                    x.values[i] = v;
                    x.oldValues[i] = ov;
                    x.returns[i] = ret;
                }
                if (entropy) {
                    x.entropy[i] = (float) (3.0 * rng.nextDouble());
                }
                break;
            }
        }
        return x;
    }

    /** Within 1e-3 of a kink: a clip edge, the logratio clamp, the dual-clip cap, a value-loss tie. */
    static boolean nearKink(PpoConfig cfg, double logp, double old, double a, double ref, double v, double ov,
            double ret) {
        double m = 1e-3;
        double raw = logp - old;
        double r = Math.exp(clamp(raw, -BOUND, BOUND));
        double lo = 1 - cfg.epsLow();
        double hi = 1 + cfg.epsHigh();
        if (Math.abs(Math.abs(raw) - BOUND) < m || Math.abs(r - lo) < m || Math.abs(r - hi) < m) {
            return true;
        }
        if (cfg.dualClip() != 0 && a < 0) {
            double pg = -a * Math.max(r, clamp(r, lo, hi));
            if (Math.abs(pg + a * cfg.dualClip()) < m * (1 + Math.abs(a * cfg.dualClip()))) {
                return true;
            }
        }
        if (Math.abs(Math.abs(ref - logp) - BOUND) < m) {
            return true;
        }
        if (cfg.valueClip() != 0) {
            double c = cfg.valueClip();
            if (Math.abs(Math.abs(v - ov) - c) < m) {
                return true;
            }
            double vc = clamp(v, ov - c, ov + c);
            double l1 = (v - ret) * (v - ret);
            double l2 = (vc - ret) * (vc - ret);
            return vc != v && Math.abs(l1 - l2) < m * (1 + l1);
        }
        return false;
    }

    // Results.
    final PpoStats stats;
    final double[] gradLogp;
    final double[] gradValues;
    final double[] gradEntropy;
    /** Per token: the magnitude of the parts of grad_logp (float32 loses ~1e-6 of each). */
    final double[] scaleLogp;
    /** Sum over valid tokens of w * (|term| + 1): the magnitude the loss terms are compared at. */
    final double scalePg;
    final double scaleVf;
    final double scaleKl;
    final double scaleEnt;

    PpoReference(Batch x, PpoConfig cfg) {
        int n = x.b * x.t;
        gradLogp = new double[n];
        gradValues = new double[n];
        gradEntropy = new double[n];
        scaleLogp = new double[n];
        long[] counts = new long[x.b];
        long total = 0;
        long rows = 0;
        for (int row = 0; row < x.b; row++) {
            for (int s = 0; s < x.t; s++) {
                counts[row] += x.mask[row * x.t + s] ? 1 : 0;
            }
            total += counts[row];
            rows += counts[row] > 0 ? 1 : 0;
        }
        double lo = 1 - cfg.epsLow();
        double hi = 1 + cfg.epsHigh();
        double pgSum = 0, vfSum = 0, klSum = 0, entSum = 0, sPg = 0, sVf = 0, sKl = 0, sEnt = 0;
        double low = 0, high = 0, dual = 0, vclip = 0, k2 = 0, k3 = 0, rsum = 0, nan = 0;
        double rmin = Double.POSITIVE_INFINITY;
        double rmax = Double.NEGATIVE_INFINITY;
        boolean gspo = cfg.policyLoss() == PpoConfig.PolicyLoss.GSPO;
        boolean cispo = cfg.policyLoss() == PpoConfig.PolicyLoss.CISPO;
        for (int row = 0; row < x.b; row++) {
            double w = weight(cfg, counts[row], total, rows);
            double slr = rowLogratio(x, row);
            double sRow = Math.exp(clamp(slr, -BOUND, BOUND));
            double rowCoef = 0;
            double rowScale = 0;
            for (int s = 0; s < x.t; s++) {
                int i = row * x.t + s;
                if (!x.mask[i]) {
                    continue;
                }
                double a = x.adv[i];
                double raw = (double) x.logp[i] - x.oldLogp[i];
                double lr = clamp(raw, -BOUND, BOUND);
                double rt = Math.exp(lr);
                double r = gspo ? sRow : rt;
                double wis = x.isw != null ? x.isw[i] : 1;
                boolean bindsHigh;
                boolean bindsLow;
                boolean dualBinds = false;
                double pg;
                double g;
                double scale;
                if (cispo) { // a constant weight clamp(r) on -A logp
                    bindsHigh = r > hi;
                    bindsLow = r < lo;
                    pg = wis * -a * clamp(r, lo, hi) * x.logp[i];
                    g = w * wis * -a * clamp(r, lo, hi);
                    scale = w * wis * Math.abs(a) * r;
                } else {
                    // The clipped objective binds above for A > 0, below for A < 0: then no gradient.
                    bindsHigh = a > 0 && r > hi;
                    bindsLow = a < 0 && r < lo;
                    pg = bindsHigh || bindsLow ? -a * clamp(r, lo, hi) : -a * r;
                    double dpgDr = bindsHigh || bindsLow ? 0 : -a;
                    dualBinds = cfg.dualClip() != 0 && a < 0 && pg > -a * cfg.dualClip();
                    if (dualBinds) {
                        pg = -a * cfg.dualClip();
                        dpgDr = 0;
                    }
                    pg *= wis;
                    if (gspo) { // through s = exp(mean logratio): summed over the row, below
                        rowCoef += w * wis * dpgDr * r;
                        rowScale += w * wis * Math.abs(a) * r;
                        g = 0;
                        scale = 0;
                    } else {
                        g = w * wis * dpgDr * r * (Math.abs(raw) <= BOUND ? 1 : 0);
                        scale = w * wis * Math.abs(a) * r;
                    }
                }
                double kl = 0;
                if (x.ref != null) {
                    double d = (double) x.ref[i] - x.logp[i];
                    double dKl;
                    switch (cfg.klEstimator()) {
                        case K1:
                            kl = -d;
                            dKl = 1;
                            break;
                        case K2:
                            kl = 0.5 * d * d;
                            dKl = -d;
                            break;
                        default:
                            double dc = clamp(d, -BOUND, BOUND);
                            kl = Math.exp(dc) - dc - 1;
                            dKl = Math.abs(d) <= BOUND ? -(Math.exp(dc) - 1) : 0;
                            break;
                    }
                    g += w * cfg.klCoef() * dKl;
                    scale += w * cfg.klCoef() * (1 + Math.abs(dKl));
                }
                gradLogp[i] += g;
                scaleLogp[i] += scale;
                double vf = 0;
                if (x.values != null) {
                    double v = x.values[i];
                    double ov = x.oldValues[i];
                    double ret = x.returns[i];
                    double c = cfg.valueClip();
                    double dVf;
                    if (c == 0 || Math.abs(v - ov) <= c) {
                        vf = 0.5 * (v - ret) * (v - ret); // inside the range the clipped value is v
                        dVf = v - ret;
                    } else {
                        double vc = v > ov ? ov + c : ov - c;
                        double l1 = (v - ret) * (v - ret);
                        double l2 = (vc - ret) * (vc - ret);
                        vf = 0.5 * Math.max(l1, l2);
                        dVf = l2 > l1 ? 0 : v - ret; // vc is a constant outside the range
                        vclip += l2 > l1 ? 1 : 0;
                    }
                    gradValues[i] = w * cfg.vfCoef() * dVf;
                }
                double ent = x.entropy != null ? x.entropy[i] : 0;
                if (x.entropy != null) {
                    gradEntropy[i] = -w * cfg.entCoef();
                }
                pgSum += w * pg;
                vfSum += w * vf;
                klSum += w * kl;
                entSum += w * ent;
                sPg += w * (Math.abs(pg) + 1);
                sVf += w * (Math.abs(vf) + 1);
                sKl += w * (Math.abs(kl) + 1);
                sEnt += w * (Math.abs(ent) + 1);
                low += bindsLow ? 1 : 0;
                high += bindsHigh ? 1 : 0;
                dual += dualBinds ? 1 : 0;
                k2 += 0.5 * lr * lr;
                k3 += (rt - 1) - lr;
                rsum += r;
                rmin = Math.min(rmin, r);
                rmax = Math.max(rmax, r);
                nan += anyNaN(x, i) ? 1 : 0;
            }
            if (gspo && counts[row] > 0) { // the same on every valid token of the row
                double perToken = Math.abs(slr) <= BOUND ? rowCoef / counts[row] : 0;
                for (int s = 0; s < x.t; s++) {
                    int i = row * x.t + s;
                    if (x.mask[i]) {
                        gradLogp[i] += perToken;
                        scaleLogp[i] += rowScale / counts[row];
                    }
                }
            }
        }
        double q = total > 0 ? 1.0 / total : Double.NaN;
        stats = new PpoStats(pgSum + cfg.vfCoef() * vfSum + cfg.klCoef() * klSum - cfg.entCoef() * entSum, pgSum,
                vfSum, klSum, entSum, low * q, high * q, dual * q, vclip * q, k2 * q, k3 * q, rsum * q,
                total > 0 ? rmin : Double.NaN, total > 0 ? rmax : Double.NaN, total, rows, (long) nan);
        scalePg = sPg;
        scaleVf = sVf;
        scaleKl = sKl;
        scaleEnt = sEnt;
    }

    /** The magnitude the total loss is compared at. */
    double lossScale(PpoConfig cfg) {
        return scalePg + cfg.vfCoef() * scaleVf + cfg.klCoef() * scaleKl + cfg.entCoef() * scaleEnt;
    }

    /** GSPO: the row's mean logratio over its valid tokens (0 for an empty row). */
    static double rowLogratio(Batch x, int row) {
        double sum = 0;
        int n = 0;
        for (int s = 0; s < x.t; s++) {
            int i = row * x.t + s;
            if (x.mask[i]) {
                sum += (double) x.logp[i] - x.oldLogp[i];
                n++;
            }
        }
        return n > 0 ? sum / n : 0;
    }

    /** GSPO: shifts a row's old log-probs until its sequence ratio keeps away from the clip edges and the dual-clip level. */
    static void avoidGspoKinks(Batch x, PpoConfig cfg) {
        for (int row = 0; row < x.b; row++) {
            for (int tries = 0; tries < 100; tries++) {
                double slr = rowLogratio(x, row);
                double s = Math.exp(clamp(slr, -BOUND, BOUND));
                double m = 2e-3;
                boolean near = Math.abs(s - (1 - cfg.epsLow())) < m || Math.abs(s - (1 + cfg.epsHigh())) < m
                        || Math.abs(Math.abs(slr) - BOUND) < m || (cfg.dualClip() != 0 && Math.abs(s - cfg.dualClip()) < m);
                if (!near) {
                    break;
                }
                for (int t = 0; t < x.t; t++) {
                    if (x.mask[row * x.t + t]) {
                        x.oldLogp[row * x.t + t] -= 0.01f;
                    }
                }
            }
        }
    }

    /** Importance weights in [0, 2] at valid tokens, 10% exactly 0; {@code padding} elsewhere. */
    static void addImportanceWeights(Batch x, java.util.Random rng, float padding) {
        x.isw = new float[x.b * x.t];
        for (int i = 0; i < x.isw.length; i++) {
            x.isw[i] = !x.mask[i] ? padding : rng.nextDouble() < 0.1 ? 0f : (float) (2 * rng.nextDouble());
        }
    }

    static double weight(PpoConfig cfg, long n, long total, long rows) {
        if (n == 0) {
            return 0;
        }
        double r = cfg.rowNorm() > 0 ? cfg.rowNorm() : rows;
        switch (cfg.aggregation()) {
            case TOKEN_MEAN:
                return 1.0 / total;
            case SEQ_MEAN_TOKEN_MEAN:
                return 1.0 / (r * n);
            case SEQ_MEAN_TOKEN_SUM:
                return 1.0 / r;
            default:
                return 1.0 / cfg.normConstant();
        }
    }

    private static boolean anyNaN(Batch x, int i) {
        for (float[] a : new float[][] {x.logp, x.oldLogp, x.adv, x.ref, x.values, x.oldValues, x.returns,
                x.entropy, x.isw}) {
            if (a != null && Float.isNaN(a[i])) {
                return true;
            }
        }
        return false;
    }

    static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
