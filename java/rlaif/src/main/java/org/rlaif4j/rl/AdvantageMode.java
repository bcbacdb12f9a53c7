package org.rlaif4j.rl;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Where PPO's advantages come from, and with it where the KL to the reference enters. */
public enum AdvantageMode {
    /** GAE over per-token rewards (KL penalty + sequence reward) with a learned value function. */
    GAE("gae"),
    /** Critic-free: leave-one-out baseline over the samples of a prompt; KL penalty subtracted from the sequence reward. */
    RLOO("rloo"),
    /** Critic-free: rewards standardised within each prompt's group; KL to the reference as a loss term. */
    GRPO("grpo"),
    /**
     * Dr. GRPO (Liu et al. 2025, "Understanding R1-Zero-like training"): GRPO without the division by the
     * group's standard deviation ({@code r_i - mean}), and by default a loss summed over tokens and
     * divided by a constant (rows × maxNewTokens) instead of each response's length.
     */
    DR_GRPO("dr_grpo"),
    /**
     * REINFORCE++ (Hu 2025): per-token rewards (KL penalty + sequence reward at the last token),
     * discounted returns as advantages with no critic, normalised over the whole batch's tokens.
     */
    REINFORCE_PP("reinforce++"),
    /**
     * REINFORCE++ with a baseline: the group's mean reward is subtracted from each sample's reward
     * first (needs samplesPerPrompt >= 2), then as {@link #REINFORCE_PP}.
     */
    REINFORCE_PP_BASELINE("reinforce++-baseline");

    private final String cliName;

    AdvantageMode(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line and in configs. */
    public String cliName() {
        return cliName;
    }

    /** Whether the KL to the reference is a term of the loss (else it is a penalty in the reward). */
    public boolean klInLoss() {
        return this == GRPO || this == DR_GRPO;
    }

    /** Samples of one prompt needed at least. */
    public int minSamplesPerPrompt() {
        return this == GAE || this == REINFORCE_PP ? 1 : 2;
    }

    /** Whether the advantages compare the samples of one prompt with each other (a group of samples). */
    public boolean groupRelative() {
        return minSamplesPerPrompt() >= 2;
    }

    /** By {@link #cliName()} or the constant's name, case-insensitive, '-' and '_' alike. */
    public static AdvantageMode parse(String s, String option) {
        String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (AdvantageMode m : values()) {
            if (m.cliName.replace('-', '_').equals(k) || m.name().toLowerCase(Locale.ROOT).equals(k)) {
                return m;
            }
        }
        throw new IllegalArgumentException(option + ": expected one of " + Arrays.stream(values())
                .map(AdvantageMode::cliName).collect(Collectors.joining(", ")) + ", found '" + s + "'");
    }
}
