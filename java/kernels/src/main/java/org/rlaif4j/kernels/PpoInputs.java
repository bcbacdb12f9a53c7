package org.rlaif4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * The tensors of one PPO / GRPO minibatch for {@link PpoLoss}. All are [B, T], row-major
 * contiguous, on one cpu or cuda device; the float ones share one dtype, float32 or bfloat16.
 * Values at masked positions are never read.
 *
 * <p>Gradients flow to {@code logp}, {@code values} and {@code entropy} (when they require grad);
 * every other tensor is a constant and must not require grad when gradients are computed.
 *
 * @param logp log-prob of each taken token under the policy being trained (nats)
 * @param oldLogp log-prob under the policy that sampled the batch
 * @param advantages per-token advantages (GRPO: the sequence advantage repeated over its tokens)
 * @param mask bool or uint8, nonzero = token counts (response tokens)
 * @param refLogp log-prob under the reference policy, for the KL term; null = no KL term
 * @param values value predictions being trained; null (with oldValues, returns) = no value term
 * @param oldValues value predictions at sampling time, the centre of the value clip
 * @param returns value targets
 * @param entropy per-token entropy of the policy, for the entropy bonus; null = none
 * @param isWeights per-token constant weights of the policy term (truncated importance sampling:
 *     min(pi_train / pi_sampler, C) for rollouts from another sampler); null = none
 */
public record PpoInputs(Tensor logp, Tensor oldLogp, Tensor advantages, Tensor mask, Tensor refLogp, Tensor values,
        Tensor oldValues, Tensor returns, Tensor entropy, Tensor isWeights) {

    /** The policy-loss inputs only; add the optional parts with the {@code with...} methods. */
    public static PpoInputs of(Tensor logp, Tensor oldLogp, Tensor advantages, Tensor mask) {
        return new PpoInputs(logp, oldLogp, advantages, mask, null, null, null, null, null, null);
    }

    public PpoInputs withImportanceWeights(Tensor w) {
        return new PpoInputs(logp, oldLogp, advantages, mask, refLogp, values, oldValues, returns, entropy, w);
    }

    public PpoInputs withReference(Tensor refLogp) {
        return new PpoInputs(logp, oldLogp, advantages, mask, refLogp, values, oldValues, returns, entropy, isWeights);
    }

    public PpoInputs withValues(Tensor values, Tensor oldValues, Tensor returns) {
        return new PpoInputs(logp, oldLogp, advantages, mask, refLogp, values, oldValues, returns, entropy, isWeights);
    }

    public PpoInputs withEntropy(Tensor entropy) {
        return new PpoInputs(logp, oldLogp, advantages, mask, refLogp, values, oldValues, returns, entropy, isWeights);
    }
}
