package org.rlaif4j.benchmarks;

import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.kernels.Tensors;

/** Seeded [B, T] inputs as Java arrays and as CPU tensors, built once per trial. */
final class BatchData implements AutoCloseable {
    final int b;
    final int t;
    final float[] rewards;
    final float[] values;
    final boolean[] mask;
    final Tensor rewardsT;
    final Tensor valuesT;
    final Tensor maskT;

    /** @param shape "BxT", e.g. "256x1024" */
    BatchData(String shape) {
        String[] parts = shape.split("x");
        this.b = Integer.parseInt(parts[0]);
        this.t = Integer.parseInt(parts[1]);
        Random rng = new Random(42);
        int n = b * t;
        rewards = new float[n];
        values = new float[n];
        mask = new boolean[n];
        for (int row = 0; row < b; row++) {
            int pad = rng.nextInt(t / 4 + 1); // left padding, as in batched generation
            for (int step = 0; step < t; step++) {
                int i = row * t + step;
                rewards[i] = (float) rng.nextGaussian();
                values[i] = (float) rng.nextGaussian();
                mask[i] = step >= pad;
            }
        }
        rewardsT = Tensors.fromFloats(rewards, b, t);
        valuesT = Tensors.fromFloats(values, b, t);
        maskT = Tensors.fromMask(mask, b, t);
    }

    long elements() {
        return (long) b * t;
    }

    @Override
    public void close() {
        rewardsT.close();
        valuesT.close();
        maskT.close();
    }
}
