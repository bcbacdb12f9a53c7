package org.rlaif4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.BytePointer;
import org.openjdk.jmh.annotations.*;
import org.rlaif4j.kernels.bindings.RlaifNative;

/**
 * The bandwidth ceiling: a parallel memcpy (same OpenMP threads as the kernels) moving the same
 * number of bytes as one kernel call. {@code bytes} = B*T*bytesPerElement/2 copied, so read +
 * write traffic equals the kernel's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class CopyBenchmark {
    /** "shape/bytesPerElement" of the kernel whose traffic is copied. */
    @Param({"64x512/17", "256x1024/17", "512x4096/17", "64x512/9", "256x1024/9", "512x4096/9",
        "64x1024/45", "256x2048/45", "1024x2048/45"})
    public String traffic;

    private BytePointer src;
    private BytePointer dst;
    private long bytes;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = traffic.split("/");
        String[] bt = parts[0].split("x");
        long elements = Long.parseLong(bt[0]) * Long.parseLong(bt[1]);
        bytes = elements * Long.parseLong(parts[1]) / 2;
        src = new BytePointer(bytes);
        dst = new BytePointer(bytes);
        // Touch every page so the first measured copy does not pay for page faults.
        src.fill(1);
        dst.fill(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        src.close();
        dst.close();
    }

    @Benchmark
    public int parallelMemcpy() {
        return RlaifNative.rlaif_copy(dst, src, bytes);
    }
}
