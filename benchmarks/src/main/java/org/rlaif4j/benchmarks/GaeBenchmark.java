package org.rlaif4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;
import org.rlaif4j.kernels.Gae;
import org.rlaif4j.kernels.GaeConfig;
import org.rlaif4j.kernels.reference.ArrayGae;
import org.rlaif4j.kernels.reference.EagerGae;

/**
 * GAE over a left-padded [B, T] batch: the native kernel against the reversed loop of libtorch
 * eager ops a user of the plain bindings writes, and against plain Java over float arrays.
 * Traffic of the kernel: rewards, values (4 B), mask (1 B) read; advantages, returns (4 B) written.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class GaeBenchmark {
    /** Bytes the kernel must move per element. */
    public static final int BYTES_PER_ELEMENT = 4 + 4 + 1 + 4 + 4;

    @Param({"64x512", "256x1024", "512x4096"})
    public String shape;

    private BatchData data;
    private float[] adv;
    private float[] ret;
    private org.bytedeco.pytorch.Tensor advOut;
    private org.bytedeco.pytorch.Tensor retOut;
    private final GaeConfig config = new GaeConfig(1.0, 0.95);

    @Setup(Level.Trial)
    public void setUp() {
        data = new BatchData(shape);
        adv = new float[data.b * data.t];
        ret = new float[data.b * data.t];
        advOut = org.bytedeco.pytorch.global.torch.zeros_like(data.rewardsT);
        retOut = org.bytedeco.pytorch.global.torch.zeros_like(data.rewardsT);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        advOut.close();
        retOut.close();
        data.close();
    }

    @Benchmark
    public void nativeKernel(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            bh.consume(Gae.compute(data.rewardsT, data.valuesT, data.maskT, config).advantages().address());
        }
    }

    /** The kernel into reused output tensors, as a training loop with buffers runs it (and as memcpy is measured). */
    @Benchmark
    public void nativePreallocated(Blackhole bh) {
        Gae.computeInto(data.rewardsT, data.valuesT, data.maskT, null, config, advOut, retOut);
        bh.consume(advOut.address());
    }

    @Benchmark
    public void libtorchEager(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            var res = EagerGae.compute(data.rewardsT, data.valuesT, data.maskT, null, config);
            bh.consume(res.advantages().address());
        }
    }

    @Benchmark
    public void plainJava(Blackhole bh) {
        ArrayGae.compute(data.rewards, data.values, data.mask, null, data.b, data.t, 1.0f, 0.95f, adv, ret);
        bh.consume(adv);
    }
}
