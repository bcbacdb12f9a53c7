package org.rlaif4j.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.GenerationConfig;
import org.rlaif4j.model.Generator;
import org.rlaif4j.model.ModelConfig;

/**
 * Greedy generation of 128 new tokens for a batch of 8 prompts (16 tokens each) with a
 * Llama-style model of about 10M parameters (random weights; speed does not depend on them):
 * with the KV cache against full recomputation of the prefix at every step. Heavy: run by
 * benchmarks/run in single-shot mode.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class GenerationBenchmark {
    public static final int BATCH = 8;
    public static final int PROMPT = 16;
    public static final int NEW_TOKENS = 128;

    private CausalLm lm;
    private List<long[]> prompts;

    /** ~9.9M parameters: vocab 16000 x hidden 256 (tied), 8 layers, 8 heads, 4 KV heads, MLP 688. */
    static ModelConfig tenMillionLlama() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("model_type", "llama");
        n.put("vocab_size", 16000);
        n.put("hidden_size", 256);
        n.put("intermediate_size", 688);
        n.put("num_hidden_layers", 8);
        n.put("num_attention_heads", 8);
        n.put("num_key_value_heads", 4);
        n.put("max_position_embeddings", 512);
        n.put("rms_norm_eps", 1e-6);
        n.put("rope_theta", 10000.0);
        n.put("tie_word_embeddings", true);
        n.put("hidden_act", "silu");
        n.put("initializer_range", 0.02);
        return ModelConfig.fromJson(n);
    }

    @Setup(Level.Trial)
    public void setUp() {
        lm = CausalLm.random(tenMillionLlama(), 1);
        Random rng = new Random(3);
        prompts = new ArrayList<>();
        for (int b = 0; b < BATCH; b++) {
            long[] p = new long[PROMPT];
            for (int i = 0; i < PROMPT; i++) {
                p[i] = 1 + rng.nextInt(15999);
            }
            prompts.add(p);
        }
    }

    @Benchmark
    public void withKvCache(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            bh.consume(new Generator(lm).generate(prompts, GenerationConfig.greedy(NEW_TOKENS)).generatedLength());
        }
    }

    @Benchmark
    public void withoutKvCache(Blackhole bh) {
        try (PointerScope scope = new PointerScope()) {
            bh.consume(new Generator(lm).generate(prompts, GenerationConfig.greedy(NEW_TOKENS).withKvCache(false))
                    .generatedLength());
        }
    }
}
