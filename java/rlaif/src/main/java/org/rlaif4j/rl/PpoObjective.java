package org.rlaif4j.rl;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.rlaif4j.kernels.LinearPpoInputs;
import org.rlaif4j.kernels.LinearPpoLoss;
import org.rlaif4j.kernels.LinearPpoResult;
import org.rlaif4j.kernels.LogProbs;
import org.rlaif4j.kernels.LogProbsConfig;
import org.rlaif4j.kernels.LogProbsResult;
import org.rlaif4j.kernels.PpoConfig;
import org.rlaif4j.kernels.PpoInputs;
import org.rlaif4j.kernels.PpoLoss;
import org.rlaif4j.kernels.PpoLossResult;
import org.rlaif4j.kernels.PpoStats;
import org.rlaif4j.kernels.reference.EagerLogProbs;
import org.rlaif4j.kernels.reference.EagerPpoLoss;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ScalarHeadModel;

/**
 * One micro-batch of the PPO update: the policy's (and value function's) forward pass with
 * gradients, the PPO loss by the chosen {@link LossPath}, and its backward into the parameters'
 * {@code .grad}. The optimizer step is the caller's.
 */
final class PpoObjective {
    private final CausalLm policy;
    private final ScalarHeadModel valueModel; // separate value model, or null
    private final ScalarHeadModel sharedValue; // head on the policy backbone, or null
    private final LossPath path;
    private final double temperature;

    PpoObjective(CausalLm policy, ScalarHeadModel valueModel, ScalarHeadModel sharedValue, LossPath path,
            double temperature) {
        this.policy = policy;
        this.valueModel = valueModel;
        this.sharedValue = sharedValue;
        this.path = path;
        this.temperature = temperature;
    }

    /**
     * The rows of one micro-batch: sequences and masks, and the [rows, N] PPO inputs (constants).
     * {@code oldValues} and {@code returns} are null without a critic; {@code refLogp} is null
     * unless the KL term is in the loss.
     */
    record MicroBatch(Tensor seq, Tensor attn, int promptLength, Tensor targets, Tensor mask, Tensor oldLogp,
            Tensor refLogp, Tensor advantages, Tensor oldValues, Tensor returns, Tensor isWeights) {}

    /** Forward, loss and backward; returns the kernel's statistics of this micro-batch. */
    PpoStats lossAndBackward(MicroBatch mb, PpoConfig cfg) {
        int p = mb.promptLength();
        int n = (int) mb.targets().size(1);
        Tensor full = policy.backbone().forward(mb.seq(), mb.attn(), null, null);   // [b, P + N, H]
        Tensor h = Scoring.responseSlice(full, p, n);                                // [b, N, H]
        Tensor values = null;
        if (mb.oldValues() != null) {
            Tensor v = valueModel != null ? valueModel.values(mb.seq(), mb.attn()) : sharedValue.head().apply(full);
            values = v.narrow(1, p - 1, n).contiguous();                            // [b, N]
        }
        return switch (path) {
            case LINEAR -> linear(mb, cfg, h, values);
            case SPLIT -> split(mb, cfg, h, values);
            case EAGER -> eager(mb, cfg, h, values);
        };
    }

    private PpoStats linear(MicroBatch mb, PpoConfig cfg, Tensor h, Tensor values) {
        LinearPpoInputs in = LinearPpoInputs.of(h, policy.lmHead(), null, mb.targets(), mb.oldLogp(), mb.advantages(),
                mb.mask());
        if (mb.refLogp() != null) {
            in = in.withReference(mb.refLogp());
        }
        if (values != null) {
            in = in.withValues(values, mb.oldValues(), mb.returns());
        }
        if (mb.isWeights() != null) {
            in = in.withImportanceWeights(mb.isWeights());
        }
        try (LinearPpoResult r = LinearPpoLoss.compute(in, cfg, temperature, 0)) {
            r.backward();
            return r.stats();
        }
    }

    private PpoStats split(MicroBatch mb, PpoConfig cfg, Tensor h, Tensor values) {
        boolean entropy = cfg.entCoef() > 0;
        try (LogProbsResult lp = LogProbs.fromHidden(h, policy.lmHead(), null, mb.targets(), mb.mask(),
                new LogProbsConfig(temperature, entropy, -100, 0), 0)) {
            PpoInputs in = inputs(mb, lp.logProbs(), values, entropy ? lp.entropy() : null);
            try (PpoLossResult r = PpoLoss.compute(in, cfg)) {
                r.backward();            // into lp's leaves (and on into the values' graph)
                lp.backward();           // from lp's .grad on into the hidden states and head
                return r.stats();
            }
        }
    }

    private PpoStats eager(MicroBatch mb, PpoConfig cfg, Tensor h, Tensor values) {
        boolean entropy = cfg.entCoef() > 0;
        Tensor logits = torch.linear(h, policy.lmHead());                            // [b, N, V]
        EagerLogProbs.Result lp = EagerLogProbs.compute(logits, mb.targets(), mb.mask(), temperature, -100, entropy);
        Tensor loss = EagerPpoLoss.compute(inputs(mb, lp.logProbs(), values, lp.entropy()), cfg);
        loss.backward();
        // Statistics (clip fractions, approx KL) of the same inputs, detached: O(b * N), no gradients.
        PpoInputs detached = inputs(mb, lp.logProbs().detach(), values == null ? null : values.detach(),
                lp.entropy() == null ? null : lp.entropy().detach());
        try (PpoLossResult r = PpoLoss.evaluate(detached, cfg)) {
            return r.stats();
        }
    }

    private static PpoInputs inputs(MicroBatch mb, Tensor logp, Tensor values, Tensor entropy) {
        PpoInputs in = PpoInputs.of(logp, mb.oldLogp(), mb.advantages(), mb.mask());
        if (mb.refLogp() != null) {
            in = in.withReference(mb.refLogp());
        }
        if (values != null) {
            in = in.withValues(values, mb.oldValues(), mb.returns());
        }
        if (entropy != null) {
            in = in.withEntropy(entropy);
        }
        if (mb.isWeights() != null) {
            in = in.withImportanceWeights(mb.isWeights());
        }
        return in;
    }
}
