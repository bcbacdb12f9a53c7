package org.rlaif4j.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.model.safetensors.TensorSource;

/**
 * A decoder-only transformer backbone: token ids in, final-normed hidden states out. Parameters
 * are plain libtorch tensors kept under their Hugging Face names (as {@code save_pretrained} writes
 * them for the causal-LM class), so checkpoints map one to one.
 */
public abstract sealed class Transformer permits Gpt2Model, LlamaModel {
    protected final ModelConfig config;
    private final Map<String, Tensor> params;
    private boolean training;

    protected Transformer(ModelConfig config, Map<String, Tensor> params) {
        this.config = config;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** Creates the backbone of {@code config}'s family with the given parameters (names as in {@link #shapes}). */
    static Transformer create(ModelConfig config, Map<String, Tensor> params) {
        return config.family() == Family.GPT2 ? new Gpt2Model(config, params) : new LlamaModel(config, params);
    }

    /** Parameter names and shapes of a backbone of {@code config}, in checkpoint order. */
    static Map<String, long[]> shapes(ModelConfig config) {
        return config.family() == Family.GPT2 ? Gpt2Model.shapes(config) : LlamaModel.shapes(config);
    }

    /** A freshly initialised backbone (normal(0, initializer_range) weights, unit norms, zero biases). */
    static Transformer random(ModelConfig config, Random rng, ScalarType dtype) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        shapes(config).forEach((name, shape) -> params.put(name, init(name, shape, config, rng, dtype)));
        return create(config, params);
    }

    /** Reads the backbone from {@code source}, mapping key prefixes and checking every shape. */
    static Transformer load(ModelConfig config, TensorSource source, Map<String, String> names, ScalarType dtype) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        shapes(config).forEach((name, shape) -> params.put(name,
                loadParameter(source, names.get(name), name, shape, dtype)));
        return create(config, params);
    }

    static Tensor loadParameter(TensorSource source, String stored, String name, long[] shape, ScalarType dtype) {
        if (stored == null) {
            throw new IllegalArgumentException("checkpoint: missing tensor '" + name + "'");
        }
        long[] found = source.info(stored).shape();
        if (!java.util.Arrays.equals(found, shape)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "checkpoint: tensor '%s' has shape %s, expected %s from config.json", stored,
                    java.util.Arrays.toString(found), java.util.Arrays.toString(shape)));
        }
        return Ops.scoped(() -> {
            Tensor raw = source.load(stored);
            Tensor t = Ops.dtype(raw) == dtype ? raw : raw.to(dtype);
            t.set_requires_grad(true);
            return Ops.persistent(t);
        });
    }

    static Tensor init(String name, long[] shape, ModelConfig config, Random rng, ScalarType dtype) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] data = new float[Math.toIntExact(n)];
        boolean norm = name.contains("ln_") || name.contains("norm");
        if (norm && name.endsWith(".weight")) {
            java.util.Arrays.fill(data, 1f);
        } else if (!name.endsWith(".bias")) {
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) (rng.nextGaussian() * config.initializerRange());
            }
        }
        return Ops.scoped(() -> {
            Tensor t = Tensors.fromFloats(data, shape);
            Tensor c = dtype == ScalarType.Float ? t : t.to(dtype);
            c.set_requires_grad(true);
            return Ops.persistent(c);
        });
    }

    public ModelConfig config() {
        return config;
    }

    /** Parameters by Hugging Face name, in checkpoint order. */
    public Map<String, Tensor> parameters() {
        return params;
    }

    protected Tensor p(String name) {
        Tensor t = params.get(name);
        if (t == null) {
            throw new IllegalStateException("no parameter '" + name + "'");
        }
        return t;
    }

    /** The token embedding matrix {@code [V, H]} (the tied output head). */
    public abstract Tensor tokenEmbedding();

    /** The dtype of the parameters. */
    public ScalarType dtype() {
        return Ops.dtype(tokenEmbedding());
    }

    /**
     * Runs the backbone.
     *
     * @param inputIds      {@code [B, T]} int64
     * @param attentionMask {@code [B, past + T]} (1 = token, 0 = padding), or null for no padding
     * @param positionIds   {@code [B, T]} int64, or null to derive them from the mask (left padding aware)
     * @param cache         past keys and values, or null; appended to and advanced by T
     * @return hidden states after the final norm {@code [B, T, H]}
     */
    public final Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor positionIds, KvCache cache) {
        if (inputIds.dim() != 2) {
            throw new IllegalArgumentException("inputIds: expected [batch, seq], found " + java.util.Arrays.toString(Ops.shape(inputIds)));
        }
        long past = cache == null ? 0 : cache.length();
        long t = inputIds.size(1);
        if (attentionMask != null && (attentionMask.dim() != 2 || attentionMask.size(0) != inputIds.size(0)
                || attentionMask.size(1) != past + t)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "attentionMask: expected [%d, %d] (batch, cached + new positions), found %s", inputIds.size(0),
                    past + t, java.util.Arrays.toString(Ops.shape(attentionMask))));
        }
        if (past + t > config.maxPositions()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "inputIds: %d positions exceed max_position_embeddings = %d", past + t, config.maxPositions()));
        }
        Tensor out = Ops.scoped(() -> {
            Tensor pos = positionIds != null ? positionIds : AttentionMasks.positionIds(attentionMask, inputIds.size(0), past, t);
            AttentionMasks.Mask mask = AttentionMasks.build(attentionMask, past, t);
            return run(inputIds, pos, mask, cache);
        });
        if (cache != null) {
            cache.advance(t);
        }
        return out;
    }

    /** The family-specific pass; temporaries are freed by the caller's scope. */
    protected abstract Tensor run(Tensor inputIds, Tensor positionIds, AttentionMasks.Mask mask, KvCache cache);

    /** A cache sized for this model. */
    public KvCache newCache(long batch, int capacity) {
        return new KvCache(config.numLayers(), batch, config.numKvHeads(), capacity, config.headDim(), dtype());
    }

    /** Scaled dot-product attention over {@code [B, heads, T, D]} queries and {@code [B, kvHeads, S, D]} keys/values. */
    protected Tensor attention(Tensor q, Tensor k, Tensor v, AttentionMasks.Mask mask) {
        double dropout = training ? config.attnDropout() : 0.0;
        try (TensorOptional m = mask.tensor() == null ? new TensorOptional() : new TensorOptional(mask.tensor());
                org.bytedeco.pytorch.DoubleOptional scale = new org.bytedeco.pytorch.DoubleOptional()) {
            return torch.scaled_dot_product_attention(q, k, v, m, dropout, mask.causal(), scale,
                    config.numKvHeads() != config.numHeads());
        }
    }

    protected Tensor dropout(Tensor x, double p) {
        return training && p > 0 ? torch.dropout(x, p, true) : x;
    }

    public boolean isTraining() {
        return training;
    }

    /** Training mode turns dropout on (where the config has any); evaluation mode is the default. */
    public void train(boolean on) {
        this.training = on;
    }

    /** Sets requires_grad = false on every parameter whose name matches. */
    public void freeze(Predicate<String> names) {
        params.forEach((n, t) -> {
            if (names.test(n)) {
                t.set_requires_grad(false);
            }
        });
    }
}
