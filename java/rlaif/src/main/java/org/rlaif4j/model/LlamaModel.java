package org.rlaif4j.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Llama layout (Llama 2/3.x, Mistral, Qwen2, Qwen3): RMSNorm, rotate-half rotary embeddings, grouped-query
 * attention, SwiGLU MLP, optional q/k/v bias (Qwen2) and o_proj bias, optional per-head q/k
 * RMSNorm (Qwen3), llama3/linear rope scaling. Linear weights are
 * {@code [out, in]}; names carry the {@code model.} prefix.
 */
public final class LlamaModel extends Transformer {
    public static final String PREFIX = "model.";

    private final Tensor invFreq; // [headDim / 2] float32

    LlamaModel(ModelConfig config, Map<String, Tensor> params) {
        super(config, params);
        int d = config.headDim();
        // inv_freq = 1 / theta^(2i / d), computed in float32 as Hugging Face does; rescaled
        // frequencies (llama3, linear) are computed in float64 and rounded once.
        this.invFreq = Ops.persistent(Ops.scoped(() -> {
            if (!config.ropeScaling().type().equals("default")) {
                double[] inv = config.ropeScaling().inverseFrequencies(config.ropeTheta(), d);
                float[] f = new float[inv.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) inv[i];
                }
                return org.rlaif4j.kernels.Tensors.fromFloats(f, new long[] {f.length});
            }
            Tensor exponents = Ops.arange(0, d).narrow(0, 0, d / 2).mul(Ops.scalar(2L)).to(ScalarType.Float)
                    .div(Ops.scalar((double) d));
            return torch.pow(Ops.scalar(config.ropeTheta()), exponents).reciprocal();
        }));
    }

    static Map<String, long[]> shapes(ModelConfig c) {
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put(PREFIX + "embed_tokens.weight", new long[] {c.vocabSize(), h});
        for (int l = 0; l < c.numLayers(); l++) {
            String b = PREFIX + "layers." + l + ".";
            s.put(b + "input_layernorm.weight", new long[] {h});
            s.put(b + "self_attn.q_proj.weight", new long[] {q, h});
            s.put(b + "self_attn.k_proj.weight", new long[] {kv, h});
            s.put(b + "self_attn.v_proj.weight", new long[] {kv, h});
            if (c.attentionBias()) {
                s.put(b + "self_attn.q_proj.bias", new long[] {q});
                s.put(b + "self_attn.k_proj.bias", new long[] {kv});
                s.put(b + "self_attn.v_proj.bias", new long[] {kv});
            }
            if (c.qkNorm()) {
                s.put(b + "self_attn.q_norm.weight", new long[] {c.headDim()});
                s.put(b + "self_attn.k_norm.weight", new long[] {c.headDim()});
            }
            s.put(b + "self_attn.o_proj.weight", new long[] {h, q});
            if (c.outputBias()) {
                s.put(b + "self_attn.o_proj.bias", new long[] {h});
            }
            s.put(b + "post_attention_layernorm.weight", new long[] {h});
            s.put(b + "mlp.gate_proj.weight", new long[] {c.intermediateSize(), h});
            s.put(b + "mlp.up_proj.weight", new long[] {c.intermediateSize(), h});
            s.put(b + "mlp.down_proj.weight", new long[] {h, c.intermediateSize()});
        }
        s.put(PREFIX + "norm.weight", new long[] {h});
        return s;
    }

    @Override
    public Tensor tokenEmbedding() {
        return p(PREFIX + "embed_tokens.weight");
    }

    @Override
    protected Tensor run(Tensor ids, Tensor pos, AttentionMasks.Mask mask, KvCache cache) {
        long b = ids.size(0);
        long t = ids.size(1);
        int nh = config.numHeads();
        int nkv = config.numKvHeads();
        int hd = config.headDim();
        Tensor x = torch.embedding(p(PREFIX + "embed_tokens.weight"), ids);    // [B, T, H]
        Tensor[] cosSin = rotary(pos, x.scalar_type().intern());                // 2 x [B, 1, T, hd]
        for (int l = 0; l < config.numLayers(); l++) {
            String pre = PREFIX + "layers." + l + ".";
            // attention
            Tensor a = rmsNorm(x, pre + "input_layernorm");
            Tensor q = linear(a, pre + "self_attn.q_proj").view(b, t, nh, hd);  // [B, T, nh, hd]
            Tensor k = linear(a, pre + "self_attn.k_proj").view(b, t, nkv, hd); // [B, T, nkv, hd]
            if (config.qkNorm()) { // Qwen3: RMSNorm over each head's vector, before RoPE
                q = rmsNorm(q, pre + "self_attn.q_norm");
                k = rmsNorm(k, pre + "self_attn.k_norm");
            }
            q = q.transpose(1, 2);                                              // [B, nh, T, hd]
            k = k.transpose(1, 2);                                              // [B, nkv, T, hd]
            Tensor v = linear(a, pre + "self_attn.v_proj").view(b, t, nkv, hd).transpose(1, 2);
            q = rope(q, cosSin);
            k = rope(k, cosSin);
            if (cache != null) {
                Tensor[] kv = cache.append(l, k, v);                            // [B, nkv, S, hd]
                k = kv[0];
                v = kv[1];
            }
            Tensor y = attention(q, k, v, mask);                               // [B, nh, T, hd]
            y = y.transpose(1, 2).reshape(b, t, (long) nh * hd);               // [B, T, nh*hd]
            x = x.add(linear(y, pre + "self_attn.o_proj"));
            // SwiGLU MLP
            Tensor m = rmsNorm(x, pre + "post_attention_layernorm");
            Tensor gate = torch.silu(linear(m, pre + "mlp.gate_proj"));         // [B, T, I]
            x = x.add(linear(gate.mul(linear(m, pre + "mlp.up_proj")), pre + "mlp.down_proj"));
        }
        return rmsNorm(x, PREFIX + "norm");                                    // [B, T, H]
    }

    /** cos and sin of position * inv_freq, duplicated over both halves: {@code [B, 1, T, hd]}. */
    private Tensor[] rotary(Tensor pos, ScalarType dtype) {
        long b = pos.size(0);
        long t = pos.size(1);
        Tensor freqs = pos.to(ScalarType.Float).view(b, t, 1).mul(invFreq.view(1, 1, -1)); // [B, T, hd/2]
        try (TensorVector both = new TensorVector(freqs, freqs)) {
            Tensor emb = torch.cat(both, -1).unsqueeze(1);                     // [B, 1, T, hd]
            return new Tensor[] {emb.cos().to(dtype), emb.sin().to(dtype)};
        }
    }

    /** x * cos + rotate_half(x) * sin, with rotate_half(x) = [-x2, x1]. */
    private static Tensor rope(Tensor x, Tensor[] cosSin) {
        long half = x.size(3) / 2;
        Tensor x1 = x.narrow(3, 0, half);
        Tensor x2 = x.narrow(3, half, half);
        try (TensorVector parts = new TensorVector(x2.neg(), x1)) {
            Tensor rotated = torch.cat(parts, -1);
            return x.mul(cosSin[0]).add(rotated.mul(cosSin[1]));
        }
    }

    private Tensor linear(Tensor x, String name) {
        Tensor w = p(name + ".weight");
        Tensor bias = parameters().get(name + ".bias");
        if (bias == null) {
            return torch.linear(x, w);
        }
        try (TensorOptional b = new TensorOptional(bias)) {
            return torch.linear(x, w, b);
        }
    }

    /** RMSNorm as Hugging Face computes it: in float32, then scaled by the weight in the input dtype. */
    private Tensor rmsNorm(Tensor x, String name) {
        Tensor w = p(name + ".weight");
        ScalarType dtype = x.scalar_type().intern();
        Tensor xf = dtype == ScalarType.Float ? x : x.to(ScalarType.Float);
        try (TensorOptional none = new TensorOptional(); DoubleOptional eps = new DoubleOptional(config.normEps())) {
            Tensor normed = torch.rms_norm(xf, new long[] {x.size(-1)}, none, eps);
            return w.mul(dtype == ScalarType.Float ? normed : normed.to(dtype));
        }
    }
}
