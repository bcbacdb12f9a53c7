package org.rlaif4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * Inputs of {@link LinearPpoLoss}: the policy's last hidden states and LM head instead of
 * log-probs, plus the usual PPO tensors, all [B, T] in the hidden states' dtype (mask bool or
 * uint8, targets int64). The entropy bonus, when weighted, uses the entropy of the head's own
 * distribution, computed in the same pass.
 *
 * @param hidden [B, T, H] last hidden states of the policy
 * @param lmHead [V, H] output embedding
 * @param bias [V] or null
 * @param targets [B, T] the sampled token ids whose log-probs are scored
 * @param refLogp reference log-probs, for a KL term in the loss; null = none
 * @param values, oldValues, returns the value head's outputs and targets; all three or none
 * @param isWeights per-token constant weights of the policy term (truncated importance sampling); null = none
 */
public record LinearPpoInputs(Tensor hidden, Tensor lmHead, Tensor bias, Tensor targets, Tensor oldLogp,
        Tensor advantages, Tensor mask, Tensor refLogp, Tensor values, Tensor oldValues, Tensor returns,
        Tensor isWeights) {

    public static LinearPpoInputs of(Tensor hidden, Tensor lmHead, Tensor bias, Tensor targets, Tensor oldLogp,
            Tensor advantages, Tensor mask) {
        return new LinearPpoInputs(hidden, lmHead, bias, targets, oldLogp, advantages, mask, null, null, null, null, null);
    }

    public LinearPpoInputs withReference(Tensor ref) {
        return new LinearPpoInputs(hidden, lmHead, bias, targets, oldLogp, advantages, mask, ref, values, oldValues,
                returns, isWeights);
    }

    public LinearPpoInputs withValues(Tensor v, Tensor oldV, Tensor ret) {
        return new LinearPpoInputs(hidden, lmHead, bias, targets, oldLogp, advantages, mask, refLogp, v, oldV, ret,
                isWeights);
    }

    public LinearPpoInputs withImportanceWeights(Tensor w) {
        return new LinearPpoInputs(hidden, lmHead, bias, targets, oldLogp, advantages, mask, refLogp, values, oldValues,
                returns, w);
    }
}
