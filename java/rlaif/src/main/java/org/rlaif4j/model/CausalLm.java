package org.rlaif4j.model;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.model.safetensors.SafetensorsCheckpoint;

/**
 * A causal language model: backbone + LM head ({@code lm_head.weight}, or the token embedding
 * when {@code tie_word_embeddings}). Loads {@code *ForCausalLM} / {@code GPT2LMHeadModel} checkpoints.
 *
 * <pre>{@code
 * CausalLm lm = CausalLm.load(Path.of("checkpoints/gpt2-tiny"));
 * Tensor logits = lm.logits(inputIds, null);           // [B, T, V]
 * }</pre>
 */
public final class CausalLm extends PretrainedModel {
    public static final String HEAD = "lm_head.weight";

    private final Tensor lmHead; // [V, H]; the embedding itself when tied

    private CausalLm(Transformer backbone, Tensor lmHead, Path sourceDir) {
        super(backbone, sourceDir);
        this.lmHead = lmHead;
    }

    /** Loads a checkpoint folder in float32. */
    public static CausalLm load(Path dir) {
        return load(dir, ScalarType.Float);
    }

    /** Loads a checkpoint folder, converting the weights to {@code dtype}. */
    public static CausalLm load(Path dir, ScalarType dtype) {
        ModelConfig config = ModelConfig.load(dir);
        try (SafetensorsCheckpoint source = SafetensorsCheckpoint.open(dir)) {
            Map<String, String> names = Checkpoints.storedNames(config, source);
            Transformer backbone = Transformer.load(config, source, names, dtype);
            Set<String> consumed = new HashSet<>(names.values());
            Tensor head;
            if (config.tieWordEmbeddings()) {
                head = backbone.tokenEmbedding();
                consumed.add(HEAD); // some exporters write the tied copy too
            } else {
                head = Transformer.loadParameter(source, source.contains(HEAD) ? HEAD : null, HEAD,
                        new long[] {config.vocabSize(), config.hiddenSize()}, dtype);
                consumed.add(HEAD);
            }
            checkNoUnexpected(source, consumed, dir);
            return new CausalLm(backbone, head, dir);
        }
    }

    /** A randomly initialised model (normal(0, initializer_range) weights), reproducible from {@code seed}. */
    public static CausalLm random(ModelConfig config, long seed) {
        return random(config, seed, ScalarType.Float);
    }

    /** As {@link #random(ModelConfig, long)}, the weights drawn in float32 and stored in {@code dtype}. */
    public static CausalLm random(ModelConfig config, long seed, ScalarType dtype) {
        Random rng = new Random(seed);
        Transformer backbone = Transformer.random(config, rng, dtype);
        Tensor head = config.tieWordEmbeddings() ? backbone.tokenEmbedding()
                : Transformer.init(HEAD, new long[] {config.vocabSize(), config.hiddenSize()}, config, rng, dtype);
        return new CausalLm(backbone, head, null);
    }

    /** Next-token logits {@code [B, T, V]} for a batch without a cache; see {@link Transformer#forward}. */
    public Tensor logits(Tensor inputIds, Tensor attentionMask) {
        return logits(inputIds, attentionMask, null, null);
    }

    /**
     * Next-token logits {@code [B, T, V]}.
     * @param attentionMask {@code [B, cached + T]} or null; @param positionIds {@code [B, T]} or null
     * @param cache may be null; appended to
     */
    public Tensor logits(Tensor inputIds, Tensor attentionMask, Tensor positionIds, KvCache cache) {
        return Ops.scoped(() -> torch.linear(backbone.forward(inputIds, attentionMask, positionIds, cache), lmHead));
    }

    /**
     * Logits of the last position only, {@code [B, V]}: what a generation step needs. The head runs
     * on one hidden state per row, so a prefill of P prompt tokens costs B x V logits, not B x P x V
     * (10 GB in float32 at B = 64, P = 256 and a 152k vocabulary).
     */
    public Tensor lastLogits(Tensor inputIds, Tensor attentionMask, Tensor positionIds, KvCache cache) {
        return Ops.scoped(() -> {
            Tensor h = backbone.forward(inputIds, attentionMask, positionIds, cache);
            return torch.linear(h.select(1, h.size(1) - 1), lmHead);
        });
    }

    /** The LM head {@code [V, H]} (the token embedding when tied). */
    public Tensor lmHead() {
        return lmHead;
    }

    /** A KV cache for {@code batch} rows and up to {@code capacity} positions. */
    public KvCache newCache(long batch, int capacity) {
        return backbone.newCache(batch, capacity);
    }

    @Override
    protected Map<String, Tensor> headParameters() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        if (!config().tieWordEmbeddings()) {
            m.put(HEAD, lmHead);
        }
        return m;
    }

    @Override
    protected String architecture() {
        return config().family() == Family.GPT2 ? "LMHeadModel" : "ForCausalLM";
    }
}
