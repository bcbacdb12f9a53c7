package org.rlaif4j.kernels;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Output of {@link PpoLoss}: the loss, its statistics and (from {@link PpoLoss#compute}) the
 * gradients of the loss with respect to logp, values and entropy, ready to hand to autograd.
 *
 * @param loss 0-d float32 tensor on the inputs' device; not part of any autograd graph (use
 *     {@link #backward()})
 * @param stats the statistics, including the loss as a double
 * @param gradLogp d loss / d logp, [B, T] in the inputs' dtype, 0 at masked positions; null from
 *     {@link PpoLoss#evaluate}
 * @param gradValues d loss / d values, or null without values or from evaluate
 * @param gradEntropy d loss / d entropy, or null without entropy or from evaluate
 * @param inputs the inputs the gradients belong to (owned by the caller, not closed here)
 */
public record PpoLossResult(Tensor loss, PpoStats stats, Tensor gradLogp, Tensor gradValues, Tensor gradEntropy,
        PpoInputs inputs) implements AutoCloseable {

    /** The loss as a double (same as {@code stats().loss()}). */
    public double lossValue() {
        return stats.loss();
    }

    /** Whether this result carries gradients (it came from {@link PpoLoss#compute}). */
    public boolean hasGradients() {
        return gradLogp != null;
    }

    /**
     * Back-propagates the loss: one {@code torch::autograd::backward} call that feeds the
     * gradients into logp, values and entropy, whichever of them require grad, so that parameters
     * they share (one model producing all three) accumulate in one graph traversal. Afterwards
     * every parameter's {@code .grad} is what {@code loss.backward()} on the eager composition
     * would leave. Like {@code loss.backward()}, it frees the graph: call it once.
     *
     * @throws IllegalStateException without gradients, or when none of the three requires grad
     */
    public void backward() {
        if (!hasGradients()) {
            throw new IllegalStateException("backward: this result has no gradients (it came from "
                    + "PpoLoss.evaluate); use PpoLoss.compute for training");
        }
        int used = Autograd.backward(new Tensor[] {inputs.logp(), inputs.values(), inputs.entropy()},
                new Tensor[] {gradLogp, gradValues, gradEntropy});
        if (used == 0) {
            throw new IllegalStateException(
                    "backward: expected at least one of logp, values, entropy to require grad, found none");
        }
    }

    /** Frees the loss and gradient tensors (not the inputs). */
    @Override
    public void close() {
        loss.close();
        for (Tensor t : new Tensor[] {gradLogp, gradValues, gradEntropy}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
