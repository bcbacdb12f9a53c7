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
 * Target log-probs from [N, V] logits, forward + backward (loss = sum of log-probs): the fused
 * kernel (online log-sum-exp, no [N, V] log-softmax; one pass writes d loss / d logits) against
 * {@code log_softmax(logits).gather(targets)} with autograd. V = 50,257 (GPT-2) and 151,936
 * (Qwen2). Peak extra resident memory of each is recorded too.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class LogProbsBenchmark {
    @Param({"1024x50257", "1024x151936"})
    public String shape;

    private PointerScope inputsScope;
    private Tensor logits;
    private Tensor targets;
    private PeakMemory memory;

    @Setup(Level.Trial)
    public void setUp() {
        String[] nv = shape.split("x");
        int n = Integer.parseInt(nv[0]);
        int v = Integer.parseInt(nv[1]);
        Random rng = new Random(11);
        inputsScope = new PointerScope();
        float[] x = new float[n * v];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2.0 * rng.nextGaussian());
        }
        logits = Tensors.fromFloats(x, n, v).requires_grad_(true);
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = rng.nextInt(v);
        }
        targets = Tensors.fromLongs(t, n);
        // A small call of each path first: library loading and thread pools are not the benchmark's memory.
        try (PointerScope warm = new PointerScope()) {
            Tensor small = logits.narrow(0, 0, 2);
            Tensor smallTargets = targets.narrow(0, 0, 2);
            LogProbs.fromLogits(small, smallTargets, null, LogProbsConfig.DEFAULT);
            EagerLogProbs.compute(small, smallTargets, null, 1.0, -100, false);
        }
        memory = PeakMemory.start();
    }

    @TearDown(Level.Trial)
    public void tearDown(org.openjdk.jmh.infra.BenchmarkParams params) {
        memory.report(params, shape);
        inputsScope.close();
    }

    @Benchmark
    public void nativeKernel(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            LogProbsResult res = LogProbs.fromLogits(logits, targets, null, LogProbsConfig.DEFAULT);
            Tensor loss = res.logProbs().sum();
            loss.backward();
            res.backward();
            bh.consume(loss.item_double());
        }
    }

    @Benchmark
    public void libtorchEager(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            Tensor loss = EagerLogProbs.compute(logits, targets, null, 1.0, -100, false).logProbs().sum();
            loss.backward();
            bh.consume(loss.item_double());
        }
    }
}
