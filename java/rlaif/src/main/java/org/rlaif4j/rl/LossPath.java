package org.rlaif4j.rl;

/** How the PPO loss and log-probs are computed; all give the same update up to float32 rounding. */
public enum LossPath {
    /** {@code LinearPpoLoss}: log-probs, PPO loss and gradients from hidden states + LM head in one chunked pass. */
    LINEAR,
    /** {@code LogProbs.fromHidden} then {@code PpoLoss}: two fused kernels, each with its own backward. */
    SPLIT,
    /** The libtorch eager composition (full logits, log_softmax, eager GAE/whitening/loss): the reference and baseline. */
    EAGER
}
