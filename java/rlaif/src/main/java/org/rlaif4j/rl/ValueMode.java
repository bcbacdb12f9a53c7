package org.rlaif4j.rl;

/** Where the value function lives (GAE mode only). */
public enum ValueMode {
    /** A separate value model (backbone + scalar head), e.g. initialised from the reward model. */
    SEPARATE,
    /** A scalar head on the policy's own backbone: one forward pass gives log-probs and values. */
    SHARED
}
