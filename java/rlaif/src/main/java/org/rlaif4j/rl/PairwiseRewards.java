package org.rlaif4j.rl;

import java.util.List;

/**
 * Per-sample rewards of one group of k samples from soft pairwise outcomes, as
 * {@link PairwiseJudgeRewarder} computes them. An outcome {@code (i, j, p)} says that sample i
 * beats sample j with probability p (the labeler's position-debiased preference); a pair may
 * appear more than once. Everything is in float64 and deterministic.
 */
public final class PairwiseRewards {
    private PairwiseRewards() {}

    /** Sample {@code i} beats sample {@code j} with probability {@code p} in [0, 1]. */
    public record Outcome(int i, int j, double p) {
        public Outcome {
            if (i < 0 || j < 0 || i == j) {
                throw new IllegalArgumentException("outcome: expected two different sample indices >= 0, found (" + i
                        + ", " + j + ")");
            }
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("outcome (" + i + ", " + j + "): expected a probability in [0, 1], "
                        + "found " + p);
            }
        }
    }

    /**
     * Win rate scaled to [-1, 1]: {@code r_i = 2 · (Σ_{c ∋ i} p_{i,c}) / n_i - 1}, where the sum
     * runs over the n_i outcomes involving i and {@code p_{i,c}} is the probability that i won
     * that comparison (p when i is first, 1 - p when second). A sample in no comparison gets 0.
     */
    public static double[] winRate(int k, List<Outcome> outcomes) {
        check(k, outcomes);
        double[] wins = new double[k];
        int[] n = new int[k];
        for (Outcome o : outcomes) {
            wins[o.i()] += o.p();
            wins[o.j()] += 1 - o.p();
            n[o.i()]++;
            n[o.j()]++;
        }
        double[] r = new double[k];
        for (int s = 0; s < k; s++) {
            r[s] = n[s] == 0 ? 0 : 2 * wins[s] / n[s] - 1;
        }
        return r;
    }

    /**
     * Bradley-Terry log-strengths θ by penalised maximum likelihood: with
     * {@code P(i beats j) = σ(θ_i - θ_j)}, θ maximises
     * <pre>
     *   ℓ(θ) = Σ_(i,j,p) [ p · log σ(θ_i - θ_j) + (1 - p) · log σ(θ_j - θ_i) ] - (λ/2) · Σ_s θ_s²
     * </pre>
     * found by Newton's method from θ = 0: gradient {@code g_s = Σ ±(p - σ(θ_i - θ_j)) - λ θ_s}
     * (+ for s = i, - for s = j), negative Hessian {@code L_w + λ I} with L_w the Laplacian of the
     * comparisons weighted by {@code σ(1 - σ)}, solved by Cholesky, each step halved until ℓ rises
     * enough (Armijo). ℓ is strictly concave for λ > 0, so the maximum is unique and finite even for
     * a sample that wins every comparison with p = 1 (in a group of two with λ = 0.01, θ = ±1.96,
     * where {@code 1 - σ(2θ) = λθ}). The iteration stops once no θ_s moves more than
     * {@code tolerance}. Returned centred, {@code θ_s - mean(θ)} (the penalised optimum already has
     * Σ θ = 0, since the likelihood depends only on differences); a sample in no comparison gets 0.
     *
     * @throws IllegalStateException when {@code maxIterations} Newton steps do not converge
     */
    public static double[] bradleyTerry(int k, List<Outcome> outcomes, double ridge, double tolerance,
                                        int maxIterations) {
        check(k, outcomes);
        if (!(ridge > 0) || Double.isInfinite(ridge)) {
            throw new IllegalArgumentException("ridge: expected a finite value > 0, found " + ridge);
        }
        if (!(tolerance > 0) || maxIterations < 1) {
            throw new IllegalArgumentException("tolerance > 0 and maxIterations >= 1 expected, found " + tolerance
                    + ", " + maxIterations);
        }
        double[] theta = new double[k];
        double f = objective(theta, outcomes, ridge);
        for (int it = 0; it < maxIterations; it++) {
            double[] g = new double[k];
            double[] h = new double[k * k]; // negative Hessian, [k, k] row-major
            for (int s = 0; s < k; s++) {
                g[s] = -ridge * theta[s];
                h[s * k + s] = ridge;
            }
            for (Outcome o : outcomes) {
                double sig = sigmoid(theta[o.i()] - theta[o.j()]);
                double resid = o.p() - sig;
                double w = sig * (1 - sig);
                g[o.i()] += resid;
                g[o.j()] -= resid;
                h[o.i() * k + o.i()] += w;
                h[o.j() * k + o.j()] += w;
                h[o.i() * k + o.j()] -= w;
                h[o.j() * k + o.i()] -= w;
            }
            double[] step = solveSpd(h, g, k);
            double slope = 0;
            for (int s = 0; s < k; s++) {
                slope += g[s] * step[s];
            }
            double t = 1;
            double[] next = new double[k];
            double fNext;
            int halvings = 0;
            while (true) {
                for (int s = 0; s < k; s++) {
                    next[s] = theta[s] + t * step[s];
                }
                fNext = objective(next, outcomes, ridge);
                if (fNext >= f + 1e-4 * t * slope || halvings >= 60) {
                    break;
                }
                t /= 2;
                halvings++;
            }
            double moved = 0;
            for (int s = 0; s < k; s++) {
                moved = Math.max(moved, Math.abs(next[s] - theta[s]));
            }
            theta = next;
            f = fNext;
            if (moved <= tolerance) {
                return centred(theta);
            }
        }
        throw new IllegalStateException("bradley-terry: expected the log-strengths to move less than " + tolerance
                + " within " + maxIterations + " Newton iterations, found no convergence (k " + k + ", "
                + outcomes.size() + " outcomes, ridge " + ridge + ")");
    }

    private static double objective(double[] theta, List<Outcome> outcomes, double ridge) {
        double f = 0;
        for (Outcome o : outcomes) {
            double d = theta[o.i()] - theta[o.j()];
            f += o.p() * logSigmoid(d) + (1 - o.p()) * logSigmoid(-d);
        }
        for (double t : theta) {
            f -= 0.5 * ridge * t * t;
        }
        return f;
    }

    /** Solves {@code A x = b} for symmetric positive definite A ([n, n] row-major) by Cholesky. */
    private static double[] solveSpd(double[] a, double[] b, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i * n + j];
                for (int q = 0; q < j; q++) {
                    s -= l[i * n + q] * l[j * n + q];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        throw new IllegalStateException("bradley-terry: expected a positive definite Hessian, found "
                                + "pivot " + s + " at " + i);
                    }
                    l[i * n + i] = Math.sqrt(s);
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int q = 0; q < i; q++) {
                s -= l[i * n + q] * y[q];
            }
            y[i] = s / l[i * n + i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int q = i + 1; q < n; q++) {
                s -= l[q * n + i] * x[q];
            }
            x[i] = s / l[i * n + i];
        }
        return x;
    }

    private static double[] centred(double[] theta) {
        double mean = 0;
        for (double t : theta) {
            mean += t;
        }
        mean /= theta.length;
        double[] out = new double[theta.length];
        for (int s = 0; s < theta.length; s++) {
            out[s] = theta[s] - mean;
        }
        return out;
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /** log σ(x), without overflow for large |x|. */
    static double logSigmoid(double x) {
        return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
    }

    private static void check(int k, List<Outcome> outcomes) {
        if (k < 1) {
            throw new IllegalArgumentException("k: expected >= 1 samples, found " + k);
        }
        for (Outcome o : outcomes) {
            if (o.i() >= k || o.j() >= k) {
                throw new IllegalArgumentException("outcome (" + o.i() + ", " + o.j() + "): expected indices below k = "
                        + k);
            }
        }
    }
}
