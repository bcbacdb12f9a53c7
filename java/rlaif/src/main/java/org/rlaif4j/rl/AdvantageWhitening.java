package org.rlaif4j.rl;

/**
 * How the advantages are normalised over the batch (all ranks' rows together) before the update.
 * The default depends on the {@link AdvantageMode}: {@link #TOKEN} for GAE and REINFORCE++ (its
 * "global batch normalisation"), {@link #NONE} for RLOO, GRPO and Dr. GRPO (TRL's RLOO does not
 * whiten; GRPO normalises within each group already).
 */
public enum AdvantageWhitening {
    /** Advantages as the estimator gives them. */
    NONE,
    /** Mean 0 and unit variance over every valid token of the batch. */
    TOKEN,
    /**
     * Mean 0 and unit variance over the batch's rows, one value per row (for sequence-level
     * advantages such as RLOO's: each response counts once, whatever its length).
     */
    SEQUENCE;

    /** The default for {@code mode}. */
    public static AdvantageWhitening defaultFor(AdvantageMode mode) {
        return switch (mode) {
            case GAE, REINFORCE_PP, REINFORCE_PP_BASELINE -> TOKEN;
            case RLOO, GRPO, DR_GRPO -> NONE;
        };
    }
}
