package org.rlaif4j.rl;

/**
 * Critic-free advantages from groups of samples of the same prompt. Rows come in consecutive
 * groups of {@code k} (sample j of prompt i at row i * k + j).
 */
public final class GroupAdvantages {
    private GroupAdvantages() {}

    /**
     * RLOO (Ahmadian et al. 2024): each sample's reward minus the mean reward of the other k - 1
     * samples of its prompt, {@code r_i - (sum - r_i) / (k - 1)}. Needs k >= 2.
     */
    public static float[] rloo(float[] rewards, int k) {
        check(rewards, k, 2);
        float[] out = new float[rewards.length];
        for (int g = 0; g < rewards.length; g += k) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += rewards[g + j];
            }
            for (int j = 0; j < k; j++) {
                out[g + j] = (float) (rewards[g + j] - (sum - rewards[g + j]) / (k - 1));
            }
        }
        return out;
    }

    /**
     * GRPO (Shao et al. 2024): {@code (r_i - mean) / (std + eps)} within each group, with the
     * unbiased (k - 1) standard deviation as {@code torch.std} computes it. Needs k >= 2.
     */
    public static float[] grpo(float[] rewards, int k, double eps) {
        check(rewards, k, 2);
        float[] out = new float[rewards.length];
        for (int g = 0; g < rewards.length; g += k) {
            double mean = 0;
            for (int j = 0; j < k; j++) {
                mean += rewards[g + j];
            }
            mean /= k;
            double var = 0;
            for (int j = 0; j < k; j++) {
                var += (rewards[g + j] - mean) * (rewards[g + j] - mean);
            }
            double std = Math.sqrt(var / (k - 1));
            for (int j = 0; j < k; j++) {
                out[g + j] = (float) ((rewards[g + j] - mean) / (std + eps));
            }
        }
        return out;
    }

    /**
     * Each sample's reward minus its group's mean, {@code r_i - mean} (Dr. GRPO's advantage, and the
     * baseline of REINFORCE++-baseline). Needs k >= 2.
     */
    public static float[] centred(float[] rewards, int k) {
        check(rewards, k, 2);
        float[] out = new float[rewards.length];
        for (int g = 0; g < rewards.length; g += k) {
            double mean = 0;
            for (int j = 0; j < k; j++) {
                mean += rewards[g + j];
            }
            mean /= k;
            for (int j = 0; j < k; j++) {
                out[g + j] = (float) (rewards[g + j] - mean);
            }
        }
        return out;
    }

    /** Whether the k rewards of group {@code group} are all equal (then every group advantage is 0). */
    public static boolean uniform(float[] rewards, int k, int group) {
        for (int j = 1; j < k; j++) {
            if (rewards[group * k + j] != rewards[group * k]) {
                return false;
            }
        }
        return true;
    }

    private static void check(float[] rewards, int k, int min) {
        if (k < min) {
            throw new IllegalArgumentException("samplesPerPrompt: expected >= " + min + " for group advantages, found " + k);
        }
        if (rewards.length % k != 0) {
            throw new IllegalArgumentException("rewards: expected a multiple of samplesPerPrompt = " + k + " rows, found "
                    + rewards.length);
        }
    }
}
