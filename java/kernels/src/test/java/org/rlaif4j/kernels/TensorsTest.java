package org.rlaif4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** The conversion helpers every other test relies on, checked against libtorch's own view of the data. */
class TensorsTest {
    @Test
    void floatsRoundTripWithShapeAndDtype() {
        try (PointerScope scope = new PointerScope()) {
            float[] x = {1.5f, -2f, 3.25f, 0f, Float.NaN, 7f};
            Tensor t = Tensors.fromFloats(x, 2, 3);
            assertEquals(ScalarType.Float, t.scalar_type().intern());
            assertEquals(2, t.size(0));
            assertEquals(3, t.size(1));
            assertEquals(3.25f, t.select(0, 0).select(0, 2).item_float());
            assertEquals(7f, t.select(0, 1).select(0, 2).item_float());
            assertArrayEquals(x, Tensors.toFloats(t));
            assertArrayEquals(new float[] {1.5f, 0f, -2f, Float.NaN, 3.25f, 7f}, Tensors.toFloats(t.t()));
        }
    }

    @Test
    void maskRoundTrip() {
        try (PointerScope scope = new PointerScope()) {
            boolean[] m = {true, false, false, true, true};
            Tensor t = Tensors.fromMask(m, 5);
            assertEquals(ScalarType.Bool, t.scalar_type().intern());
            assertEquals(3L, t.sum().item_long());
            assertArrayEquals(m, Tensors.toMask(t));
            assertArrayEquals(m, Tensors.toMask(t.toType(ScalarType.Byte)));
        }
    }

    @Test
    void lengthMustMatchShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensors.fromFloats(new float[5], 2, 3));
        assertEquals("data: expected 6 elements for shape [2, 3], found 5", e.getMessage());
    }
}
