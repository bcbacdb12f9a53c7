package org.rlaif4j.rl;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.kernels.MaskedStats;
import org.rlaif4j.kernels.Whiten;
import org.rlaif4j.kernels.reference.EagerWhiten;
import org.rlaif4j.model.Ops;

/**
 * Masked statistics and whitening over the rows of every rank together, so that a data-parallel
 * iteration whitens its advantages exactly as one process would on the combined batch. With one
 * process these are the fused (or eager) kernels themselves.
 */
final class RankStats {
    private final DataParallel dp;

    RankStats(DataParallel dp) {
        this.dp = dp;
    }

    /** Count, mean and unbiased variance of the valid elements of {@code x} on all ranks. */
    MaskedStats stats(Tensor x, Tensor mask) {
        MaskedStats local = Whiten.stats(x, mask);
        if (dp.worldSize() == 1) {
            return local;
        }
        long n = local.count();
        double mean = n > 0 ? local.mean() : 0;
        double m2 = n > 1 ? local.variance() * (n - 1) : 0;
        // Chan et al.'s pairwise merge: M2 = Σ M2_r + Σ n_r mean_r² - N mean²
        double[] s = dp.sum(new double[] {n, n * mean, m2, n * mean * mean});
        double count = s[0];
        double globalMean = count > 0 ? s[1] / count : Double.NaN;
        double variance = count > 1 ? Math.max(0, s[2] + s[3] - count * globalMean * globalMean) / (count - 1) : Double.NaN;
        return new MaskedStats((long) count, globalMean, variance);
    }

    /** Advantages whitened over all ranks' valid tokens: {@code (x - mean) / sqrt(var + 1e-8)}, 0 where masked. */
    Tensor whiten(Tensor x, Tensor mask, boolean eager) {
        if (dp.worldSize() == 1) {
            return eager ? EagerWhiten.masked(x, mask, true, Whiten.DEFAULT_EPS) : Whiten.masked(x, mask);
        }
        MaskedStats s = stats(x, mask);
        if (s.count() == 0) {
            return torch.zeros_like(x);
        }
        double inv = 1.0 / Math.sqrt((s.count() > 1 ? s.variance() : 0) + Whiten.DEFAULT_EPS);
        return x.sub(Ops.scalar(s.mean())).mul(Ops.scalar(inv)).mul(mask.to(x.scalar_type())).contiguous();
    }

    /**
     * Sequence-level whitening: each row's mean advantage over its valid tokens is one sample; the
     * advantages are shifted by the mean and divided by the standard deviation (unbiased, + 1e-8
     * under the root) of those per-row values over all ranks' rows. 0 where masked.
     */
    Tensor whitenRows(Tensor x, Tensor mask, int[] lengths) {
        float[] rowSums = Ops.toFloats(x.mul(mask.to(x.scalar_type())).sum(1L));
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < rowSums.length; i++) {
            double v = rowSums[i] / Math.max(1, lengths[i]);
            sum += v;
            sq += v * v;
        }
        double[] s = dp.sum(new double[] {rowSums.length, sum, sq});
        double mean = s[0] > 0 ? s[1] / s[0] : 0;
        double var = s[0] > 1 ? Math.max(0, s[2] - s[0] * mean * mean) / (s[0] - 1) : 0;
        double inv = 1.0 / Math.sqrt(var + Whiten.DEFAULT_EPS);
        return x.sub(Ops.scalar(mean)).mul(Ops.scalar(inv)).mul(mask.to(x.scalar_type())).contiguous();
    }

    /** Element-wise sums over the ranks (the identity with one process). */
    double[] sum(double... values) {
        return dp.sum(values);
    }

    int worldSize() {
        return dp.worldSize();
    }
}
