package org.rlaif4j.benchmarks;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;
import org.rlaif4j.kernels.LinearPpoInputs;
import org.rlaif4j.kernels.LinearPpoLoss;
import org.rlaif4j.kernels.LinearPpoResult;
import org.rlaif4j.kernels.PpoConfig;
import org.rlaif4j.kernels.PpoInputs;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.kernels.reference.EagerLogProbs;
import org.rlaif4j.kernels.reference.EagerPpoLoss;

/**
 * The policy update of one PPO minibatch from the policy's last hidden states: the fused linear
 * PPO loss (chunked head matmul, log-probs, PPO loss and its gradients in one pass, no [N, V]
 * tensor kept) against the eager chain {@code hidden @ W^T -> log_softmax -> gather -> PPO loss}
 * with autograd. Forward + backward into hidden states and head. Shapes "N/H/V" as in
 * {@link LinearLogProbsBenchmark}; rows of 256 tokens, 10% of them masked. Heavy: run by
 * benchmarks/run --heavy.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class LinearPpoLossBenchmark {
    static final int ROW = 256;

    @Param({"1024/768/50257", "4096/896/151936"})
    public String shape;

    private final PpoConfig config = PpoConfig.defaults();
    private PointerScope inputsScope;
    private LinearPpoInputs inputs;
    private PeakMemory memory;

    @Setup(Level.Trial)
    public void setUp() {
        String[] p = shape.split("/");
        int n = Integer.parseInt(p[0]);
        int h = Integer.parseInt(p[1]);
        int v = Integer.parseInt(p[2]);
        int b = n / ROW;
        Random rng = new Random(17);
        inputsScope = new PointerScope();
        Tensor hidden = gaussian(rng, n * h, 0.0, 1.0, b, ROW, h).requires_grad_(true);
        Tensor head = gaussian(rng, v * h, 0.0, 0.05, v, h).requires_grad_(true);
        long[] t = new long[n];
        boolean[] mask = new boolean[n];
        for (int i = 0; i < n; i++) {
            t[i] = rng.nextInt(v);
            mask[i] = rng.nextDouble() > 0.1;
        }
        // Old log-probs near the current ones (a few PPO epochs in), so the clip binds sometimes.
        Tensor oldLogp;
        try (PointerScope s = new PointerScope()) {
            Tensor logits = hidden.detach().reshape(n, h).matmul(head.detach().t());
            Tensor lp = EagerLogProbs.compute(logits, Tensors.fromLongs(t, n), null, 1.0, -100, false).logProbs();
            oldLogp = lp.reshape(b, ROW).add(gaussian(rng, n, 0.0, 0.1, b, ROW));
            oldLogp.retainReference();
        }
        inputs = LinearPpoInputs.of(hidden, head, null, Tensors.fromLongs(t, b, ROW), oldLogp,
                gaussian(rng, n, 0.0, 1.0, b, ROW), Tensors.fromMask(mask, b, ROW));
        memory = PeakMemory.start();
    }

    private static Tensor gaussian(Random rng, int count, double mean, double std, long... shape) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) (mean + std * rng.nextGaussian());
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
        try (PointerScope scope = new PointerScope(); LinearPpoResult res = LinearPpoLoss.compute(inputs, config, 1.0, 0)) {
            res.backward();
            bh.consume(res.lossValue());
        }
    }

    @Benchmark
    public void libtorchEager(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            Tensor hidden = inputs.hidden();
            long b = hidden.size(0);
            long t = hidden.size(1);
            Tensor logits = hidden.reshape(b * t, hidden.size(2)).matmul(inputs.lmHead().t());
            Tensor logp = EagerLogProbs.compute(logits, inputs.targets().reshape(b * t), null, 1.0, -100, false)
                    .logProbs().reshape(b, t);
            Tensor loss = EagerPpoLoss.compute(PpoInputs.of(logp, inputs.oldLogp(), inputs.advantages(),
                    inputs.mask()), config);
            loss.backward();
            bh.consume(loss.item_double());
        }
    }
}
