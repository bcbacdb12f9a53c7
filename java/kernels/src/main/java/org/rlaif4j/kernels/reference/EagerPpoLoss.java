package org.rlaif4j.kernels.reference;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.rlaif4j.kernels.PpoConfig;
import org.rlaif4j.kernels.PpoInputs;

/**
 * The PPO / GRPO loss composed from libtorch eager ops, written the way TRL and verl write it
 * ({@code torch.max(pg1, pg2)}, {@code torch.clamp}, {@code torch.min} for the dual clip, masked
 * sums), with autograd recording the graph. Same math and aggregation as {@link
 * org.rlaif4j.kernels.PpoLoss}: the baseline its gradients are tested and benchmarked against,
 * not for production use. Inputs must be finite everywhere, masked positions included (they are
 * multiplied by the mask, and 0 * inf is NaN). GSPO's row ratio and CISPO's stop-gradient weight
 * are written as verl writes them.
 */
public final class EagerPpoLoss {
    private static final double BOUND = 20.0;

    private EagerPpoLoss() {}

    /** The scalar loss, a 0-d tensor of the inputs' dtype carrying the autograd graph. */
    public static Tensor compute(PpoInputs in, PpoConfig cfg) {
        PointerScope outer = PointerScope.getInnerScope();
        try (PointerScope scope = new PointerScope()) {
            Tensor m = in.mask().toType(in.logp().scalar_type());
            Aggregator agg = new Aggregator(m, cfg);

            Tensor negA = in.advantages().neg();
            Tensor pg;
            if (cfg.policyLoss() == PpoConfig.PolicyLoss.CISPO) {
                // the clipped ratio is a constant weight (verl: ratio.detach() clamped, times log_prob)
                Tensor ratio = clamp(in.logp().sub(in.oldLogp()), -BOUND, BOUND).exp().detach();
                Tensor weight = clamp(ratio, 1.0 - cfg.epsLow(), 1.0 + cfg.epsHigh());
                pg = negA.mul(weight).mul(in.logp());
            } else {
                Tensor ratio;
                if (cfg.policyLoss() == PpoConfig.PolicyLoss.GSPO) {
                    // the row's mean log-ratio over its valid tokens, broadcast over the row
                    Tensor slr = in.logp().sub(in.oldLogp()).mul(m).sum(1L).div(agg.rowCount).unsqueeze(1);
                    ratio = clamp(slr, -BOUND, BOUND).exp().expand_as(in.logp());
                } else {
                    ratio = clamp(in.logp().sub(in.oldLogp()), -BOUND, BOUND).exp();
                }
                Tensor pg1 = negA.mul(ratio);
                Tensor pg2 = negA.mul(clamp(ratio, 1.0 - cfg.epsLow(), 1.0 + cfg.epsHigh()));
                pg = torch.max(pg1, pg2);
                if (cfg.dualClip() != 0.0) {
                    Tensor pg3 = negA.mul(new Scalar(cfg.dualClip()));
                    pg = torch.where(in.advantages().lt(new Scalar(0.0)), torch.min(pg3, pg), pg);
                }
            }
            if (in.isWeights() != null) {
                pg = pg.mul(in.isWeights());
            }
            Tensor loss = agg.apply(pg);

            if (in.values() != null) {
                Tensor v = in.values();
                Tensor l1 = v.sub(in.returns()).square();
                Tensor vf = l1;
                if (cfg.valueClip() != 0.0) {
                    Scalar c = new Scalar(cfg.valueClip());
                    Tensor clipped = v.clamp(new TensorOptional(in.oldValues().sub(c)),
                            new TensorOptional(in.oldValues().add(c)));
                    vf = torch.max(l1, clipped.sub(in.returns()).square());
                }
                loss = loss.add(agg.apply(vf.mul(new Scalar(0.5))).mul(new Scalar(cfg.vfCoef())));
            }
            if (in.refLogp() != null) {
                Tensor d = in.refLogp().sub(in.logp());
                Tensor kl;
                switch (cfg.klEstimator()) {
                    case K1:
                        kl = d.neg();
                        break;
                    case K2:
                        kl = d.square().mul(new Scalar(0.5));
                        break;
                    default:
                        Tensor dc = clamp(d, -BOUND, BOUND);
                        kl = dc.exp().sub(dc).sub(new Scalar(1.0));
                        break;
                }
                loss = loss.add(agg.apply(kl).mul(new Scalar(cfg.klCoef())));
            }
            if (in.entropy() != null) {
                loss = loss.sub(agg.apply(in.entropy()).mul(new Scalar(cfg.entCoef())));
            }
            // Keep the result alive past this scope: hand it to the caller's scope, if any.
            if (outer != null) {
                outer.attach(loss);
            } else {
                loss.retainReference();
            }
            return loss;
        }
    }

    private static Tensor clamp(Tensor x, double lo, double hi) {
        return x.clamp(new ScalarOptional(new Scalar(lo)), new ScalarOptional(new Scalar(hi)));
    }

    /** The masked reductions of {@link PpoConfig.Aggregation}; empty batches and rows give 0. */
    private static final class Aggregator {
        private final Tensor mask;
        private final PpoConfig cfg;
        private final Tensor count; // valid tokens in the batch, at least 1
        private final Tensor rowCount; // [B] valid tokens per row, at least 1
        private final Tensor rows; // rows with a valid token, at least 1

        Aggregator(Tensor mask, PpoConfig cfg) {
            this.mask = mask;
            this.cfg = cfg;
            Scalar one = new Scalar(1.0);
            Tensor perRow = mask.sum(1L);
            this.count = mask.sum().clamp_min(one);
            this.rowCount = perRow.clamp_min(one);
            this.rows = cfg.rowNorm() > 0 ? torch.scalar_tensor(new Scalar(cfg.rowNorm())).toType(mask.scalar_type())
                    : perRow.gt(new Scalar(0.0)).sum().toType(mask.scalar_type()).clamp_min(one);
        }

        Tensor apply(Tensor x) {
            Tensor masked = x.mul(mask);
            switch (cfg.aggregation()) {
                case TOKEN_MEAN:
                    return masked.sum().div(count);
                case SEQ_MEAN_TOKEN_MEAN:
                    return masked.sum(1L).div(rowCount).sum().div(rows);
                case SEQ_MEAN_TOKEN_SUM:
                    return masked.sum(1L).sum().div(rows);
                default:
                    return masked.sum().div(new Scalar(cfg.normConstant()));
            }
        }
    }
}
