package org.rlaif4j.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * GPT-2: learned positions, pre-LayerNorm blocks, fused q/k/v projection, tanh GELU MLP.
 * Weights are Conv1D-style {@code [in, out]} (x @ W + b), as Hugging Face stores them.
 * Parameter names carry the {@code transformer.} prefix ({@code transformer.h.0.attn.c_attn.weight}).
 */
public final class Gpt2Model extends Transformer {
    public static final String PREFIX = "transformer.";

    Gpt2Model(ModelConfig config, Map<String, Tensor> params) {
        super(config, params);
    }

    static Map<String, long[]> shapes(ModelConfig c) {
        long h = c.hiddenSize();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put(PREFIX + "wte.weight", new long[] {c.vocabSize(), h});
        s.put(PREFIX + "wpe.weight", new long[] {c.maxPositions(), h});
        for (int l = 0; l < c.numLayers(); l++) {
            String b = PREFIX + "h." + l + ".";
            s.put(b + "ln_1.weight", new long[] {h});
            s.put(b + "ln_1.bias", new long[] {h});
            s.put(b + "attn.c_attn.weight", new long[] {h, 3 * h});
            s.put(b + "attn.c_attn.bias", new long[] {3 * h});
            s.put(b + "attn.c_proj.weight", new long[] {h, h});
            s.put(b + "attn.c_proj.bias", new long[] {h});
            s.put(b + "ln_2.weight", new long[] {h});
            s.put(b + "ln_2.bias", new long[] {h});
            s.put(b + "mlp.c_fc.weight", new long[] {h, c.intermediateSize()});
            s.put(b + "mlp.c_fc.bias", new long[] {c.intermediateSize()});
            s.put(b + "mlp.c_proj.weight", new long[] {c.intermediateSize(), h});
            s.put(b + "mlp.c_proj.bias", new long[] {h});
        }
        s.put(PREFIX + "ln_f.weight", new long[] {h});
        s.put(PREFIX + "ln_f.bias", new long[] {h});
        return s;
    }

    @Override
    public Tensor tokenEmbedding() {
        return p(PREFIX + "wte.weight");
    }

    @Override
    protected Tensor run(Tensor ids, Tensor pos, AttentionMasks.Mask mask, KvCache cache) {
        long b = ids.size(0);
        long t = ids.size(1);
        long h = config.hiddenSize();
        int nh = config.numHeads();
        int hd = config.headDim();
        Tensor x = torch.embedding(p(PREFIX + "wte.weight"), ids)
                .add(torch.embedding(p(PREFIX + "wpe.weight"), pos));          // [B, T, H]
        x = dropout(x, config.embdDropout());
        for (int l = 0; l < config.numLayers(); l++) {
            String pre = PREFIX + "h." + l + ".";
            // attention
            Tensor a = layerNorm(x, pre + "ln_1");
            Tensor qkv = conv1d(a, pre + "attn.c_attn");                       // [B, T, 3H]
            Tensor q = qkv.narrow(2, 0, h).view(b, t, nh, hd).transpose(1, 2); // [B, nh, T, hd]
            Tensor k = qkv.narrow(2, h, h).view(b, t, nh, hd).transpose(1, 2);
            Tensor v = qkv.narrow(2, 2 * h, h).view(b, t, nh, hd).transpose(1, 2);
            if (cache != null) {
                Tensor[] kv = cache.append(l, k, v);                            // [B, nh, S, hd]
                k = kv[0];
                v = kv[1];
            }
            Tensor y = attention(q, k, v, mask);                               // [B, nh, T, hd]
            y = y.transpose(1, 2).contiguous().view(b, t, h);                  // [B, T, H]
            x = x.add(dropout(conv1d(y, pre + "attn.c_proj"), config.residDropout()));
            // MLP
            Tensor m = layerNorm(x, pre + "ln_2");
            m = torch.gelu(conv1d(m, pre + "mlp.c_fc"), "tanh");               // [B, T, I]
            x = x.add(dropout(conv1d(m, pre + "mlp.c_proj"), config.residDropout()));
        }
        return layerNorm(x, PREFIX + "ln_f");                                  // [B, T, H]
    }

    /** Conv1D as GPT-2 stores it: x @ W + b with W {@code [in, out]}. */
    private Tensor conv1d(Tensor x, String name) {
        return x.matmul(p(name + ".weight")).add(p(name + ".bias"));
    }

    private Tensor layerNorm(Tensor x, String name) {
        try (TensorOptional w = new TensorOptional(p(name + ".weight"));
                TensorOptional bias = new TensorOptional(p(name + ".bias"))) {
            return torch.layer_norm(x, new long[] {config.hiddenSize()}, w, bias, config.normEps(), false);
        }
    }
}
