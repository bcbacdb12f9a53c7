package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class GroupAdvantagesTest {
    private static final float[] R = {1, 2, 3, 6};

    @Test
    void rlooSubtractsTheMeanOfTheOtherSamplesOfTheSamePrompt() {
        assertArrayEquals(new float[] {-1, 1, -3, 3}, GroupAdvantages.rloo(R, 2), 1e-6f);
        // k = 4: baselines (2+3+6)/3, (1+3+6)/3, (1+2+6)/3, (1+2+3)/3
        assertArrayEquals(new float[] {1 - 11f / 3, 2 - 10f / 3, 3 - 9f / 3, 6 - 6f / 3}, GroupAdvantages.rloo(R, 4), 1e-6f);
    }

    @Test
    void grpoStandardisesWithinEachGroupWithTheUnbiasedStd() {
        double std = Math.sqrt((4 + 1 + 0 + 9) / 3.0); // mean 3, deviations -2, -1, 0, 3
        float[] a = GroupAdvantages.grpo(R, 4, 1e-4);
        double[] dev = {-2, -1, 0, 3};
        for (int i = 0; i < 4; i++) {
            assertEquals(dev[i] / (std + 1e-4), a[i], 1e-6, "row " + i);
        }
        // k = 2: each pair is +-1/sqrt(2) * |d| / std = +-0.7071 (std of a pair is |d| / sqrt(2))
        float[] p = GroupAdvantages.grpo(R, 2, 0);
        assertArrayEquals(new float[] {-0.70710677f, 0.70710677f, -0.70710677f, 0.70710677f}, p, 1e-6f);
        assertArrayEquals(new float[] {0, 0}, GroupAdvantages.grpo(new float[] {5, 5}, 2, 1e-4), 1e-6f, "equal rewards: no signal");
    }

    @Test
    void centredSubtractsTheGroupMeanOnlyAndUniformDetectsEqualGroups() {
        assertArrayEquals(new float[] {-0.5f, 0.5f, -1.5f, 1.5f}, GroupAdvantages.centred(R, 2), 1e-6f);
        assertArrayEquals(new float[] {-2, -1, 0, 3}, GroupAdvantages.centred(R, 4), 1e-6f);
        float[] r = {1, 1, 1, 2, 0.5f, 0.5f};
        assertTrue(GroupAdvantages.uniform(r, 3, 0));
        assertFalse(GroupAdvantages.uniform(r, 3, 1));
        assertTrue(GroupAdvantages.uniform(r, 2, 2));
        assertFalse(GroupAdvantages.uniform(r, 2, 1));
    }

    @Test
    void groupsNeedTwoSamplesAndWholeGroups() {
        assertThrows(IllegalArgumentException.class, () -> GroupAdvantages.centred(R, 3));
        assertThrows(IllegalArgumentException.class, () -> GroupAdvantages.rloo(R, 1));
        assertThrows(IllegalArgumentException.class, () -> GroupAdvantages.grpo(R, 3, 1e-4));
    }
}
