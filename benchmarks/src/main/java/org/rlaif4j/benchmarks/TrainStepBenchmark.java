package org.rlaif4j.benchmarks;

import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.train.AdamWConfig;
import org.rlaif4j.train.Losses;
import org.rlaif4j.train.LrSchedule;
import org.rlaif4j.train.TrainStep;

/**
 * One causal-LM training step (forward, backward, AdamW) of the ~10M-parameter Llama-style
 * model of {@link GenerationBenchmark} on 8 sequences of 128 tokens: training tokens per second
 * is 1024 / the time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class TrainStepBenchmark {
    public static final int BATCH = 8;
    public static final int SEQ = 128;

    private CausalLm lm;
    private TrainStep step;
    private Tensor ids;
    private Tensor mask;

    @Setup(Level.Trial)
    public void setUp() {
        lm = CausalLm.random(GenerationBenchmark.tenMillionLlama(), 1);
        step = new TrainStep(lm, AdamWConfig.of(1e-4), LrSchedule.constant(1e-4), 1.0);
        Random rng = new Random(5);
        long[] tokens = new long[BATCH * SEQ];
        boolean[] valid = new boolean[BATCH * SEQ];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = 1 + rng.nextInt(15999);
            valid[i] = true;
        }
        ids = Tensors.fromLongs(tokens, BATCH, SEQ);
        mask = Tensors.fromMask(valid, BATCH, SEQ);
    }

    @Benchmark
    public void causalLmStep(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            bh.consume(step.step(List.of(0), b -> Losses.causalLm(lm.logits(ids, mask), ids, mask)));
        }
    }
}
