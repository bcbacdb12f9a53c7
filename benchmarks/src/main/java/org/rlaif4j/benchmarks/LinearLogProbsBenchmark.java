package org.rlaif4j.benchmarks;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;
import org.rlaif4j.kernels.LogProbs;
import org.rlaif4j.kernels.LogProbsConfig;
import org.rlaif4j.kernels.LogProbsResult;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.kernels.reference.EagerLogProbs;

/**
 * Target log-probs from hidden states [N, H] and an LM head [V, H], forward + backward into
 * hidden and head: chunked fused scoring (chunk logits only, recomputed in the backward) against
 * {@code log_softmax(hidden @ W^T).gather} with autograd, which holds [N, V] logits, log-probs
 * and their gradients. Shapes "N/H/V": Qwen2.5-0.5B's head (896, 151,936) and GPT-2's (768,
 * 50,257). Heavy (seconds per call, gigabytes for eager): run by benchmarks/run --heavy.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class LinearLogProbsBenchmark {
    @Param({"1024/768/50257", "4096/896/151936"})
    public String shape;

    private PointerScope inputsScope;
    private Tensor hidden;
    private Tensor head;
    private Tensor targets;
    private PeakMemory memory;

    @Setup(Level.Trial)
    public void setUp() {
        String[] p = shape.split("/");
        int n = Integer.parseInt(p[0]);
        int h = Integer.parseInt(p[1]);
        int v = Integer.parseInt(p[2]);
        Random rng = new Random(13);
        inputsScope = new PointerScope();
        hidden = gaussian(rng, n * h, 1.0, n, h).requires_grad_(true);
        head = gaussian(rng, v * h, 0.05, v, h).requires_grad_(true);
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = rng.nextInt(v);
        }
        targets = Tensors.fromLongs(t, n);
        memory = PeakMemory.start();
    }

    private static Tensor gaussian(Random rng, int count, double std, long... shape) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) (std * rng.nextGaussian());
        }
        return Tensors.fromFloats(x, shape);
    }

    @TearDown(Level.Trial)
    public void tearDown(org.openjdk.jmh.infra.BenchmarkParams params) {
        memory.report(params, shape);
        inputsScope.close();
    }

    @Benchmark
    public void nativeKernel(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            LogProbsResult res = LogProbs.fromHidden(hidden, head, null, targets, null, LogProbsConfig.DEFAULT, 0);
            Tensor loss = res.logProbs().sum();
            loss.backward();
            res.backward();
            bh.consume(loss.item_double());
        }
    }

    @Benchmark
    public void libtorchEager(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            Tensor logits = hidden.matmul(head.t());
            Tensor loss = EagerLogProbs.compute(logits, targets, null, 1.0, -100, false).logProbs().sum();
            loss.backward();
            bh.consume(loss.item_double());
        }
    }
}
