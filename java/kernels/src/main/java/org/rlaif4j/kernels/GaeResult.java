package org.rlaif4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * Output of {@link Gae#compute}: both [B, T], dtype and device of the inputs, 0 at masked
 * positions. Not part of any autograd graph. Closing frees both tensors' native memory.
 */
public record GaeResult(Tensor advantages, Tensor returns) implements AutoCloseable {
    @Override
    public void close() {
        advantages.close();
        returns.close();
    }
}
