package org.rlaif4j.reward;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.rlaif4j.model.Ops;

/**
 * The reward-model loss on soft labels: cross-entropy of the label {@code p_a} against
 * softmax(r_a, r_b), that is
 * {@code -(p_a * log σ(r_a - r_b) + (1 - p_a) * log σ(r_b - r_a))}.
 * Hard labels are {@code p_a} in {0, 1} (the Bradley-Terry loss). Written with {@code logsigmoid},
 * so large reward gaps neither overflow nor lose the gradient; libtorch autograd differentiates it
 * (the gradient with respect to {@code d = r_a - r_b} is {@code σ(d) - p_a}).
 */
public final class SoftLabelLoss {
    private SoftLabelLoss() {}

    /**
     * Per-pair loss {@code [N]}.
     *
     * @param rA {@code [N]} rewards of response A; @param rB {@code [N]} of response B
     * @param pA {@code [N]} probability that A is preferred, same dtype as the rewards
     */
    public static Tensor perPair(Tensor rA, Tensor rB, Tensor pA) {
        return Ops.scoped(() -> {
            Tensor d = rA.sub(rB);                                          // [N]
            Tensor a = pA.mul(torch.log_sigmoid(d));                        // [N]
            Tensor b = pA.neg().add(Ops.scalar(1.0)).mul(torch.log_sigmoid(d.neg()));
            return a.add(b).neg();                                          // [N]
        });
    }

    /**
     * {@code sum(weight * loss) / divisor}: the training loss of a micro-batch where each pair's loss
     * is scaled by the weight of its source and {@code divisor} is the number of pairs in the whole
     * optimizer step (so weights change a pair's share, not the step size of unweighted data).
     */
    public static Tensor weightedSum(Tensor rA, Tensor rB, Tensor pA, Tensor weight, double divisor) {
        if (!(divisor > 0)) {
            throw new IllegalArgumentException("divisor: expected > 0, found " + divisor);
        }
        return Ops.scoped(() -> perPair(rA, rB, pA).mul(weight).sum().div(Ops.scalar(divisor)));
    }

    /** Float64 reference of one pair's loss, for tests and for metrics computed in Java. */
    public static double reference(double rA, double rB, double pA) {
        double d = rA - rB;
        return -(pA * logSigmoid(d) + (1 - pA) * logSigmoid(-d));
    }

    /** Float64 reference of {@code d loss / d r_a} (the negative of {@code d loss / d r_b}): {@code σ(d) - p_a}. */
    public static double referenceGradient(double rA, double rB, double pA) {
        return sigmoid(rA - rB) - pA;
    }

    /** log σ(x) without overflow: {@code min(x, 0) - log1p(exp(-|x|))}. */
    public static double logSigmoid(double x) {
        return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
    }

    public static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
}
