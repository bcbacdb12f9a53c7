package org.rlaif4j.rl;

/** Where PPO's advantages come from. */
public enum AdvantageMode {
    /** GAE over per-token rewards (KL penalty + sequence reward) with a learned value function. */
    GAE,
    /** Critic-free: leave-one-out baseline over the samples of a prompt; KL penalty subtracted from the sequence reward. */
    RLOO,
    /** Critic-free: rewards standardised within each prompt's group; KL to the reference as a loss term (k3). */
    GRPO
}
