package org.rlaif4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rlaif4j.kernels.TestData.MaskKind;
import org.rlaif4j.kernels.reference.EagerWhiten;

class WhitenTest {
    private final TestData data = new TestData();

    /** {count, mean, unbiased var} in float64, two passes. */
    static double[] referenceStats(float[] x, boolean[] m) {
        double n = 0;
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            if (m[i]) {
                n++;
                s += x[i];
            }
        }
        double mean = n > 0 ? s / n : Double.NaN;
        double ss = 0;
        for (int i = 0; i < x.length; i++) {
            if (m[i]) {
                ss += (x[i] - mean) * (x[i] - mean);
            }
        }
        return new double[] {n, mean, n >= 2 ? ss / (n - 1) : Double.NaN};
    }

    static double[] referenceWhiten(float[] x, boolean[] m, boolean shiftMean, double eps) {
        double[] st = referenceStats(x, m);
        double mean = st[0] > 0 ? st[1] : 0;
        double var = st[0] >= 2 ? st[2] : 0;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = m[i] ? (x[i] - mean) / Math.sqrt(var + eps) + (shiftMean ? 0 : mean) : 0;
        }
        return out;
    }

    static Stream<Arguments> cases() {
        int[][] shapes = {{1, 1}, {1, 2}, {1, 8192}, {64, 512}, {3, 40001}};
        Stream.Builder<Arguments> s = Stream.builder();
        for (int[] shape : shapes) {
            for (MaskKind k : MaskKind.values()) {
                s.add(Arguments.of(shape[0], shape[1], k, (shape[1] & 1) == 0));
            }
        }
        return s.build();
    }

    @ParameterizedTest(name = "B={0} T={1} mask={2} shiftMean={3}")
    @MethodSource("cases")
    void matchesFloat64Reference(int b, int t, MaskKind kind, boolean shiftMean) {
        float[] x = data.normal(b * t, 0.7, 2.0);
        boolean[] m = data.mask(kind, b, t);
        for (int i = 0; i < m.length; i++) {
            if (!m[i]) {
                x[i] = Float.POSITIVE_INFINITY; // never read
            }
        }
        double[] want = referenceWhiten(x, m, shiftMean, 1e-8);
        double[] st = referenceStats(x, m);
        try (PointerScope scope = new PointerScope()) {
            Tensor xt = Tensors.fromFloats(x, b, t);
            Tensor mt = Tensors.fromMask(m, b, t);
            float[] got = Tensors.toFloats(Whiten.masked(xt, mt, shiftMean, 1e-8));
            assertTrue(TestData.worstScaledError(got, want, 1e-5, 1e-6) <= 1, "whiten, seed " + data.seed);
            MaskedStats s = Whiten.stats(xt, mt);
            assertEquals((long) st[0], s.count());
            assertEqualsOrBothNaN(st[1], s.mean(), 1e-9, "mean, seed " + data.seed);
            assertEqualsOrBothNaN(st[2], s.variance(), 1e-9, "variance, seed " + data.seed);
        }
    }

    private static void assertEqualsOrBothNaN(double want, double got, double rel, String what) {
        if (Double.isNaN(want)) {
            assertTrue(Double.isNaN(got), what + ": expected NaN, got " + got);
        } else {
            assertEquals(want, got, rel * (1 + Math.abs(want)), what);
        }
    }

    @Test
    void largeMeanKeepsVariance() {
        // 2^24 elements around 1e5 with std 0.5: float32 sums would lose the variance entirely.
        int n = 1 << 24;
        float[] x = data.normal(n, 1e5, 0.5);
        boolean[] m = new boolean[n];
        for (int i = 0; i < n; i++) {
            m[i] = i % 7 != 0;
        }
        double[] st = referenceStats(x, m);
        try (PointerScope scope = new PointerScope()) {
            MaskedStats s = Whiten.stats(Tensors.fromFloats(x, n), Tensors.fromMask(m, n));
            assertEquals(st[1], s.mean(), 1e-9 * st[1], "mean, seed " + data.seed);
            assertEquals(st[2], s.variance(), 1e-7 * st[2], "variance, seed " + data.seed);
        }
    }

    @Test
    void matchesLibtorchEagerComposition() {
        int b = 32;
        int t = 300;
        float[] x = data.normal(b * t, -1.5, 3.0);
        boolean[] m = data.mask(MaskKind.RIGHT_PAD, b, t);
        m[0] = true;
        m[1] = true; // at least two valid elements, which the eager form needs
        try (PointerScope scope = new PointerScope()) {
            Tensor xt = Tensors.fromFloats(x, b, t);
            Tensor mt = Tensors.fromMask(m, b, t);
            for (boolean shift : new boolean[] {true, false}) {
                double[] eager = TestData.toDoubles(Tensors.toFloats(EagerWhiten.masked(xt, mt, shift, 1e-8)));
                float[] ours = Tensors.toFloats(Whiten.masked(xt, mt, shift, 1e-8));
                assertTrue(TestData.worstScaledError(ours, eager, 1e-4, 1e-4) <= 1,
                        "shiftMean=" + shift + ", seed " + data.seed);
            }
            assertEquals(EagerWhiten.maskedMean(xt, mt), Whiten.maskedMean(xt, mt), 1e-9);
        }
    }

    @Test
    void bfloat16() {
        int n = 5000;
        float[] x = data.normal(n, 3.0, 1.5);
        boolean[] m = data.mask(MaskKind.HOLES, 1, n);
        try (PointerScope scope = new PointerScope()) {
            Tensor xb = Tensors.fromFloats(x, n).toType(ScalarType.BFloat16);
            double[] want = referenceWhiten(Tensors.toFloats(xb), m, true, 1e-8);
            Tensor out = Whiten.masked(xb, Tensors.fromMask(m, n));
            assertEquals(ScalarType.BFloat16, out.scalar_type().intern());
            assertTrue(TestData.worstScaledError(Tensors.toFloats(out), want, 1e-2, 4e-3) <= 1, "seed " + data.seed);
        }
    }

    @Test
    void maskedIntoPreallocatedOrInPlaceEqualsMasked() {
        int n = 1000;
        float[] x = data.normal(n, 2.0, 3.0);
        boolean[] m = data.mask(MaskKind.HOLES, 1, n);
        try (PointerScope scope = new PointerScope()) {
            Tensor xt = Tensors.fromFloats(x, n);
            Tensor mt = Tensors.fromMask(m, n);
            float[] want = Tensors.toFloats(Whiten.masked(xt, mt, false, 1e-8));
            Tensor out = Tensors.fromFloats(new float[n], n);
            Whiten.maskedInto(xt, mt, false, 1e-8, out);
            assertArrayEquals(want, Tensors.toFloats(out));
            Whiten.maskedInto(xt, mt, false, 1e-8, xt); // in place
            assertArrayEquals(want, Tensors.toFloats(xt));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Whiten.maskedInto(xt, mt, true, 1e-8, Tensors.fromFloats(new float[n], n, 1)));
            assertEquals("out: expected shape [1000] (the shape of x), found [1000, 1]", e.getMessage());
        }
    }

    @Test
    void degenerateCounts() {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.fromFloats(new float[] {3, 5, 7}, 3);
            Tensor none = Tensors.fromMask(new boolean[3], 3);
            Tensor one = Tensors.fromMask(new boolean[] {false, true, false}, 3);
            assertArrayEquals(new float[] {0, 0, 0}, Tensors.toFloats(Whiten.masked(x, none)));
            assertArrayEquals(new float[] {0, 0, 0}, Tensors.toFloats(Whiten.masked(x, one)));
            assertArrayEquals(new float[] {0, 5, 0}, Tensors.toFloats(Whiten.masked(x, one, false, 1e-8)));
            MaskedStats s = Whiten.stats(x, one);
            assertEquals(1, s.count());
            assertEquals(5.0, s.mean());
            assertTrue(Double.isNaN(s.variance()));
            assertEquals(5.0, Whiten.maskedMean(x, one));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Whiten.maskedVar(x, one));
            assertEquals("mask: expected at least 2 valid positions, found 1", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Whiten.maskedMean(x, none));
            assertEquals("mask: expected at least 1 valid position, found 0", e.getMessage());
        }
    }

    @Test
    void nanAtValidPositionIsRejectedAndAtMaskedIgnored() {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.fromFloats(new float[] {1, Float.NaN, 3, 4}, 2, 2);
            Tensor all = Tensors.fromMask(new boolean[] {true, true, true, true}, 2, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Whiten.masked(x, all));
            assertEquals("x: expected no NaN at valid positions, found NaN at flat index 1 of shape [2, 2]",
                    e.getMessage());
            Tensor skip = Tensors.fromMask(new boolean[] {true, false, true, true}, 2, 2);
            assertEquals(8.0 / 3.0, Whiten.maskedMean(x, skip), 1e-12);
            float[] w = Tensors.toFloats(Whiten.masked(x, skip));
            assertEquals(0f, w[1]);
            assertFalse(Float.isNaN(w[0]) || Float.isNaN(w[2]) || Float.isNaN(w[3]), Arrays.toString(w));
        }
    }

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void validation() {
        try (PointerScope scope = new PointerScope(); Device meta = new Device("meta")) {
            Tensor x = Tensors.fromFloats(new float[6], 2, 3);
            Tensor m = Tensors.fromMask(new boolean[6], 2, 3);
            assertMessage("mask: expected shape [2, 3] (the shape of x), found [6]",
                    () -> Whiten.masked(x, Tensors.fromMask(new boolean[6], 6)));
            assertMessage("x: expected dtype float32 or bfloat16, found float64",
                    () -> Whiten.masked(x.toType(ScalarType.Double), m));
            assertMessage("mask: expected dtype bool or uint8, found int64",
                    () -> Whiten.masked(x, m.toType(ScalarType.Long)));
            assertMessage("x: expected a contiguous tensor, found a non-contiguous [3, 2] view; call .contiguous() first",
                    () -> Whiten.masked(x.t(), Tensors.fromMask(new boolean[6], 3, 2)));
            assertMessage("mask: expected device cpu (the device of x), found meta",
                    () -> Whiten.masked(x, m.to(meta, ScalarType.Bool)));
            assertMessage("x: expected every dimension to be at least 1, found size 0 in dimension 0 of [0]",
                    () -> Whiten.masked(Tensors.fromFloats(new float[0], 0), Tensors.fromMask(new boolean[0], 0)));
            assertMessage("eps: expected a finite value >= 0, found -1.0", () -> Whiten.masked(x, m, true, -1.0));
        }
    }
}
