package org.rlaif4j.benchmarks;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;
import org.rlaif4j.kernels.PpoConfig;
import org.rlaif4j.kernels.PpoInputs;
import org.rlaif4j.kernels.PpoLoss;
import org.rlaif4j.kernels.PpoLossResult;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.kernels.reference.EagerPpoLoss;

/**
 * PPO loss forward + backward over a [B, T] batch: the fused native kernel (loss, statistics
 * and the three gradients in one pass, handed to autograd) against the eager libtorch
 * composition with autograd. Same options on both sides: token-mean, clipped value loss, k3 KL
 * in the loss, entropy bonus. Kernel traffic: 8 float inputs + mask read, 3 gradients written.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class PpoLossBenchmark {
    public static final int BYTES_PER_ELEMENT = 8 * 4 + 1 + 3 * 4;

    @Param({"64x1024", "256x2048", "1024x2048"})
    public String shape;

    private PointerScope inputsScope;
    private PpoInputs inputs;
    private Tensor gradLogp;
    private Tensor gradValues;
    private Tensor gradEntropy;
    private PeakMemory memory;
    private PpoConfig config;

    /** The policy term measured ({@link PpoPolicyModesBenchmark} varies it). */
    protected PpoConfig.PolicyLoss policyLoss() {
        return PpoConfig.PolicyLoss.CLIP;
    }

    @Setup(Level.Trial)
    public void setUp() {
        String[] bt = shape.split("x");
        int b = Integer.parseInt(bt[0]);
        int t = Integer.parseInt(bt[1]);
        Random rng = new Random(7);
        config = PpoConfig.defaults().withValueLoss(0.1, 0.2).withKl(PpoConfig.KlEstimator.K3, 0.05)
                .withEntropyBonus(0.01).withPolicyLoss(policyLoss());
        inputsScope = new PointerScope();
        Tensor logp = randn(rng, b, t, -1.0, 0.3).requires_grad_(true);
        Tensor values = randn(rng, b, t, 0.0, 1.0).requires_grad_(true);
        Tensor entropy = randn(rng, b, t, 2.0, 0.3).requires_grad_(true);
        boolean[] mask = new boolean[b * t];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = rng.nextDouble() > 0.1;
        }
        inputs = PpoInputs.of(logp, randn(rng, b, t, -1.0, 0.3), randn(rng, b, t, 0.0, 1.0), Tensors.fromMask(mask, b, t))
                .withReference(randn(rng, b, t, -1.0, 0.3))
                .withValues(values, randn(rng, b, t, 0.0, 1.0), randn(rng, b, t, 0.0, 1.0))
                .withEntropy(entropy);
        gradLogp = torch.empty_like(logp);
        gradValues = torch.empty_like(values);
        gradEntropy = torch.empty_like(entropy);
        // One call of each path first: library loading and thread pools are not the benchmark's memory.
        try (PointerScope warm = new PointerScope()) {
            PpoLoss.compute(inputs, config).backward();
            EagerPpoLoss.compute(inputs, config).backward();
            PpoLoss.computeInto(inputs, config, gradLogp, gradValues, gradEntropy);
        }
        memory = PeakMemory.start();
    }

    private static Tensor randn(Random rng, int b, int t, double mean, double std) {
        float[] x = new float[b * t];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (mean + std * rng.nextGaussian());
        }
        return Tensors.fromFloats(x, b, t);
    }

    @TearDown(Level.Trial)
    public void tearDown(org.openjdk.jmh.infra.BenchmarkParams params) {
        memory.report(params, shape);
        inputsScope.close();
    }

    @Benchmark
    public void nativeKernel(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            PpoLossResult res = PpoLoss.compute(inputs, config);
            res.backward();
            bh.consume(res.lossValue());
        }
    }

    /**
     * The same pass into gradient buffers reused across calls, as a trainer that owns its
     * buffers runs it: the kernel's own traffic, without fresh-page faults and without
     * autograd's accumulation into .grad (which {@link #nativeKernel} pays, like eager does).
     */
    @Benchmark
    public void nativePreallocated(Blackhole bh) {
        bh.consume(PpoLoss.computeInto(inputs, config, gradLogp, gradValues, gradEntropy).loss());
    }

    @Benchmark
    public void libtorchEager(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            Tensor loss = EagerPpoLoss.compute(inputs, config);
            loss.backward();
            bh.consume(loss.item_double());
        }
    }
}
