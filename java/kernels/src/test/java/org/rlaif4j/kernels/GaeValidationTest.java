package org.rlaif4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every bad input gets an IllegalArgumentException naming the argument, the expectation and the finding. */
class GaeValidationTest {
    private PointerScope scope;
    private Tensor r;
    private Tensor v;
    private Tensor m;
    private final GaeConfig cfg = new GaeConfig(0.99, 0.95);

    @BeforeEach
    void setUp() {
        scope = new PointerScope();
        r = Tensors.fromFloats(new float[6], 2, 3);
        v = Tensors.fromFloats(new float[6], 2, 3);
        m = Tensors.fromMask(new boolean[] {true, true, true, false, true, true}, 2, 3);
    }

    @AfterEach
    void tearDown() {
        scope.close();
    }

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void wrongRank() {
        Tensor r3 = Tensors.fromFloats(new float[6], 1, 2, 3);
        assertMessage("rewards: expected a 2-D tensor [B, T], found 3-D [1, 2, 3]", () -> Gae.compute(r3, v, m, cfg));
    }

    @Test
    void mismatchedShapes() {
        Tensor v2 = Tensors.fromFloats(new float[8], 2, 4);
        assertMessage("values: expected shape [2, 3] (the shape of rewards), found [2, 4]",
                () -> Gae.compute(r, v2, m, cfg));
        Tensor m2 = Tensors.fromMask(new boolean[3], 3, 1);
        assertMessage("mask: expected shape [2, 3] (the shape of rewards), found [3, 1]",
                () -> Gae.compute(r, v, m2, cfg));
        assertMessage("bootstrap: expected a 1-D tensor [B] = [2], found [3]",
                () -> Gae.compute(r, v, m, Tensors.fromFloats(new float[3], 3), cfg));
    }

    @Test
    void wrongDtypes() {
        Tensor rd = r.toType(ScalarType.Double);
        assertMessage("rewards: expected dtype float32 or bfloat16, found float64", () -> Gae.compute(rd, v, m, cfg));
        Tensor vb = v.toType(ScalarType.BFloat16);
        assertMessage("values: expected dtype float32 (the dtype of rewards), found bfloat16",
                () -> Gae.compute(r, vb, m, cfg));
        Tensor mf = m.toType(ScalarType.Float);
        assertMessage("mask: expected dtype bool or uint8, found float32", () -> Gae.compute(r, v, mf, cfg));
    }

    @Test
    void nonContiguous() {
        Tensor rt = Tensors.fromFloats(new float[6], 3, 2).t();
        assertMessage("rewards: expected a contiguous tensor, found a non-contiguous [2, 3] view; call .contiguous() first",
                () -> Gae.compute(rt, v, m, cfg));
    }

    @Test
    void mixedDevices() {
        try (Device meta = new Device("meta")) {
            Tensor vMeta = v.to(meta, ScalarType.Float);
            assertMessage("values: expected device cpu (the device of rewards), found meta",
                    () -> Gae.compute(r, vMeta, m, cfg));
            Tensor rMeta = r.to(meta, ScalarType.Float);
            assertMessage("rewards: expected a cpu or cuda tensor, found device meta",
                    () -> Gae.compute(rMeta, v, m, cfg));
        }
    }

    @Test
    void zeroSizeDimensions() {
        Tensor empty = Tensors.fromFloats(new float[0], 2, 0);
        assertMessage("rewards: expected every dimension to be at least 1, found size 0 in dimension 1 of [2, 0]",
                () -> Gae.compute(empty, empty, Tensors.fromMask(new boolean[0], 2, 0), cfg));
    }

    @Test
    void factorsOutsideUnitInterval() {
        assertMessage("gamma: expected a value in [0, 1], found 1.01", () -> new GaeConfig(1.01, 0.9));
        assertMessage("lambda: expected a value in [0, 1], found -0.5", () -> new GaeConfig(0.9, -0.5));
        assertMessage("gamma: expected a value in [0, 1], found NaN", () -> new GaeConfig(Double.NaN, 0.9));
    }

    @Test
    void nullArguments() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> Gae.compute(null, v, m, cfg));
        assertEquals("rewards: expected a tensor, found null", e.getMessage());
    }
}
