package org.rlaif4j.kernels.reference;

/**
 * GAE in plain Java over float arrays (row-major [B, T], float32 arithmetic as in the
 * kernel): the baseline for a JVM user who copies tensors out to arrays. Same masked semantics
 * as {@link org.rlaif4j.kernels.Gae}.
 */
public final class ArrayGae {
    private ArrayGae() {}

    public static void compute(float[] rewards, float[] values, boolean[] mask, float[] bootstrap, int b, int t,
            float gamma, float lambda, float[] advantages, float[] returns) {
        float gl = gamma * lambda;
        for (int row = 0; row < b; row++) {
            float last = 0f;
            float nextValue = bootstrap == null ? 0f : bootstrap[row];
            int base = row * t;
            for (int step = t - 1; step >= 0; step--) {
                int i = base + step;
                if (!mask[i]) {
                    advantages[i] = 0f;
                    returns[i] = 0f;
                    continue;
                }
                float v = values[i];
                last = rewards[i] + gamma * nextValue - v + gl * last;
                advantages[i] = last;
                returns[i] = last + v;
                nextValue = v;
            }
        }
    }
}
