package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class KlControllerTest {
    @Test
    void adaptiveControllerFollowsZieglerWithTheErrorClippedToPlusMinusPointTwo() {
        KlController c = KlController.adaptive(0.1, 6.0, 10_000);
        assertTrue(c.isAdaptive());
        c.update(9.0, 256);      // error 0.5 clipped to 0.2
        assertEquals(0.1 * (1 + 0.2 * 256 / 10_000.0), c.value(), 1e-15);
        double before = c.value();
        c.update(5.7, 256);      // error -0.05
        assertEquals(before * (1 - 0.05 * 256 / 10_000.0), c.value(), 1e-15);
        before = c.value();
        c.update(0.0, 1000);     // error -1 clipped to -0.2
        assertEquals(before * (1 - 0.2 * 0.1), c.value(), 1e-15);
        before = c.value();
        c.update(Double.NaN, 64); // an undefined KL leaves beta alone
        assertEquals(before, c.value());
        c.update(6.0, 64);        // on target: no change
        assertEquals(before, c.value(), 1e-15);
    }

    @Test
    void fixedControllerNeverMovesAndBadSettingsAreRejected() {
        KlController f = KlController.fixed(0.05);
        f.update(100, 1000);
        assertEquals(0.05, f.value());
        assertFalse(f.isAdaptive());
        assertThrows(IllegalArgumentException.class, () -> KlController.adaptive(0.1, 0, 100));
        assertThrows(IllegalArgumentException.class, () -> KlController.adaptive(0.1, 1, -1));
        assertThrows(IllegalArgumentException.class, () -> KlController.fixed(-0.1));
        assertThrows(IllegalArgumentException.class, () -> f.setValue(Double.POSITIVE_INFINITY));
    }
}
