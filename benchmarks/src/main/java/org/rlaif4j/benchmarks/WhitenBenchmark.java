package org.rlaif4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;
import org.rlaif4j.kernels.Whiten;
import org.rlaif4j.kernels.reference.ArrayWhiten;
import org.rlaif4j.kernels.reference.EagerWhiten;

/**
 * Masked whitening of a [B, T] batch: the native kernel against the libtorch eager composition
 * RLHF trainers use (masked_mean, masked_var, rsqrt) and against plain Java over arrays.
 * Traffic of the kernel: x (4 B) and mask (1 B) read, out (4 B) written.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class WhitenBenchmark {
    public static final int BYTES_PER_ELEMENT = 4 + 1 + 4;

    @Param({"64x512", "256x1024", "512x4096"})
    public String shape;

    private BatchData data;
    private float[] out;
    private org.bytedeco.pytorch.Tensor outT;

    @Setup(Level.Trial)
    public void setUp() {
        data = new BatchData(shape);
        out = new float[data.b * data.t];
        outT = org.bytedeco.pytorch.global.torch.zeros_like(data.valuesT);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        outT.close();
        data.close();
    }

    @Benchmark
    public void nativeKernel(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            bh.consume(Whiten.masked(data.valuesT, data.maskT).address());
        }
    }

    /** The kernel into a reused output tensor, as a training loop with buffers runs it (and as memcpy is measured). */
    @Benchmark
    public void nativePreallocated(Blackhole bh) {
        Whiten.maskedInto(data.valuesT, data.maskT, true, Whiten.DEFAULT_EPS, outT);
        bh.consume(outT.address());
    }

    @Benchmark
    public void libtorchEager(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            var w = EagerWhiten.masked(data.valuesT, data.maskT, true, Whiten.DEFAULT_EPS);
            bh.consume(w.address());
        }
    }

    @Benchmark
    public void plainJava(Blackhole bh) {
        ArrayWhiten.masked(data.values, data.mask, true, Whiten.DEFAULT_EPS, out);
        bh.consume(out);
    }
}
