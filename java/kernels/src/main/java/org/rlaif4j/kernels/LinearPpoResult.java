package org.rlaif4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * Output of {@link LinearPpoLoss#compute}: the loss and its statistics, and the gradients of
 * the hidden states, LM head, bias and values, already computed and held until {@link
 * #backward()} hands them to autograd. Closing frees the gradients (not the inputs).
 */
public final class LinearPpoResult implements AutoCloseable {
    private final PpoStats stats;
    private final LinearPpoInputs inputs;
    private final Tensor gradHidden;
    private final Tensor gradHead;
    private final Tensor gradBias;
    private final Tensor gradValues;

    LinearPpoResult(PpoStats stats, LinearPpoInputs inputs, Tensor gradHidden, Tensor gradHead, Tensor gradBias,
            Tensor gradValues) {
        this.stats = stats;
        this.inputs = inputs;
        this.gradHidden = gradHidden;
        this.gradHead = gradHead;
        this.gradBias = gradBias;
        this.gradValues = gradValues;
    }

    public PpoStats stats() {
        return stats;
    }

    public double lossValue() {
        return stats.loss();
    }

    /**
     * Accumulates the held gradients into the graphs of hidden (on into the model), lmHead, bias
     * and values, in one autograd call; as with {@code loss.backward()}, call it once.
     *
     * @throws IllegalStateException when none of them requires grad
     */
    public void backward() {
        int used = Autograd.backward(new Tensor[] {inputs.hidden(), inputs.lmHead(), inputs.bias(), inputs.values()},
                new Tensor[] {gradHidden, gradHead, gradBias, gradValues});
        if (used == 0) {
            throw new IllegalStateException(
                    "backward: expected at least one of hidden, lmHead, bias, values to require grad, found none");
        }
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {gradHidden, gradHead, gradBias, gradValues}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
