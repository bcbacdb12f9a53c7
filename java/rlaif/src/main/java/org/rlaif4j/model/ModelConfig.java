package org.rlaif4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The hyper-parameters of a checkpoint, read from its Hugging Face {@code config.json}.
 * Fields that would change the math and are not implemented (YaRN or dynamic rope scaling, an active sliding
 * window, MLP bias, other activations, ...) are rejected with {@link UnsupportedConfigException}
 * rather than ignored.
 *
 * @param headDim        per-head size (usually hiddenSize / numHeads)
 * @param attentionBias  whether q/k/v projections have a bias
 * @param ropeScaling    rotary frequency rescaling (llama3, linear) or {@link RopeScaling#NONE}
 * @param outputBias     whether the attention output projection has a bias (Llama with attention_bias)
 * @param qkNorm         per-head RMSNorm on queries and keys before RoPE (Qwen3's q_norm / k_norm)
 * @param eosTokenIds    possibly empty
 * @param bosTokenId     -1 when absent
 * @param padTokenId     -1 when absent
 * @param json           the original config, written back (updated) when a model is saved
 */
public record ModelConfig(
        Family family, String modelType, int vocabSize, int hiddenSize, int numLayers, int numHeads,
        int numKvHeads, int headDim, int intermediateSize, double normEps, double ropeTheta,
        RopeScaling ropeScaling, boolean tieWordEmbeddings, boolean attentionBias, boolean outputBias,
        boolean qkNorm, int maxPositions,
        double embdDropout, double attnDropout, double residDropout, double initializerRange,
        int bosTokenId, List<Integer> eosTokenIds, int padTokenId, ObjectNode json) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Llama-layout model types accepted. */
    public static final Set<String> LLAMA_TYPES = Set.of("llama", "mistral", "qwen2", "qwen3");

    public ModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        java.util.Objects.requireNonNull(ropeScaling, "ropeScaling");
        json = json.deepCopy();
        require(vocabSize > 0, "vocab_size", "> 0", vocabSize);
        require(hiddenSize > 0, "hidden size", "> 0", hiddenSize);
        require(numLayers > 0, "number of layers", "> 0", numLayers);
        require(numHeads > 0, "number of heads", "> 0", numHeads);
        require(numKvHeads > 0 && numHeads % numKvHeads == 0, "num_key_value_heads",
                "a divisor of the " + numHeads + " attention heads", numKvHeads);
        require(headDim > 0 && headDim % 2 == 0, "head_dim", "a positive even number", headDim);
        require(intermediateSize > 0, "intermediate size", "> 0", intermediateSize);
        require(maxPositions > 0, "max positions", "> 0", maxPositions);
    }

    @Override
    public ObjectNode json() {
        return json.deepCopy();
    }

    /** Reads {@code config.json} from a checkpoint folder (or the file itself). */
    public static ModelConfig load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new UncheckedIOException(new IOException(file + ": no config.json"));
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (!(n instanceof ObjectNode o)) {
                throw new UnsupportedConfigException(file + ": expected a JSON object");
            }
            return fromJson(o);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read", e);
        }
    }

    /** Builds a config from the JSON of a Hugging Face {@code config.json}. */
    public static ModelConfig fromJson(ObjectNode n) {
        String type = n.path("model_type").asText("");
        if (type.equals("gpt2")) {
            return gpt2(n);
        }
        if (LLAMA_TYPES.contains(type)) {
            return llama(n, type);
        }
        throw new UnsupportedConfigException("config.json: model_type '" + type
                + "' is not supported (expected gpt2, llama, mistral, qwen2 or qwen3)");
    }

    private static ModelConfig gpt2(ObjectNode n) {
        String act = n.path("activation_function").asText("gelu_new");
        if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
            throw new UnsupportedConfigException("config.json: activation_function '" + act
                    + "' is not supported for gpt2 (expected gelu_new or gelu_pytorch_tanh)");
        }
        rejectIf(n.path("scale_attn_by_inverse_layer_idx").asBoolean(false), "scale_attn_by_inverse_layer_idx = true");
        rejectIf(!n.path("scale_attn_weights").asBoolean(true), "scale_attn_weights = false");
        rejectIf(n.path("add_cross_attention").asBoolean(false), "add_cross_attention = true");
        int hidden = requiredInt(n, "n_embd");
        int heads = requiredInt(n, "n_head");
        require(hidden % heads == 0, "n_embd", "a multiple of n_head = " + heads, hidden);
        int inner = n.path("n_inner").isNull() || n.path("n_inner").isMissingNode() ? 4 * hidden : n.get("n_inner").asInt();
        return new ModelConfig(Family.GPT2, "gpt2", requiredInt(n, "vocab_size"), hidden, requiredInt(n, "n_layer"),
                heads, heads, hidden / heads, inner, n.path("layer_norm_epsilon").asDouble(1e-5), 0.0, RopeScaling.NONE,
                n.path("tie_word_embeddings").asBoolean(true), true, true, false, requiredInt(n, "n_positions"),
                n.path("embd_pdrop").asDouble(0.1), n.path("attn_pdrop").asDouble(0.1), n.path("resid_pdrop").asDouble(0.1),
                n.path("initializer_range").asDouble(0.02), optionalInt(n, "bos_token_id"), eosIds(n),
                optionalInt(n, "pad_token_id"), n);
    }

    private static ModelConfig llama(ObjectNode n, String type) {
        String act = n.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new UnsupportedConfigException("config.json: hidden_act '" + act + "' is not supported (expected silu)");
        }
        // Two spellings: rope_scaling (+ top-level rope_theta), or transformers v5's rope_parameters
        // holding rope_theta and the scaling fields together.
        JsonNode ropeParams = n.path("rope_parameters");
        boolean hasScaling = n.hasNonNull("rope_scaling");
        RopeScaling scaling = hasScaling ? RopeScaling.fromJson(n.get("rope_scaling"), "rope_scaling")
                : RopeScaling.fromJson(ropeParams, "rope_parameters");
        rejectIf(n.path("mlp_bias").asBoolean(false), "mlp_bias = true");
        int maxPos = requiredInt(n, "max_position_embeddings");
        JsonNode window = n.path("sliding_window");
        boolean windowActive = !window.isMissingNode() && !window.isNull() && window.asInt() < maxPos
                && (type.startsWith("qwen") ? n.path("use_sliding_window").asBoolean(false) : true);
        rejectIf(windowActive, "sliding_window = " + window + " (shorter than max_position_embeddings = " + maxPos + ")");
        rejectIf(n.path("partial_rotary_factor").asDouble(1.0) != 1.0, "partial_rotary_factor " + n.path("partial_rotary_factor"));
        int hidden = requiredInt(n, "hidden_size");
        int heads = requiredInt(n, "num_attention_heads");
        int kv = n.hasNonNull("num_key_value_heads") ? n.get("num_key_value_heads").asInt() : heads;
        int headDim = n.hasNonNull("head_dim") ? n.get("head_dim").asInt() : hidden / heads;
        double theta = n.hasNonNull("rope_theta") ? n.get("rope_theta").asDouble()
                : ropeParams.path("rope_theta").asDouble(10000.0);
        // Qwen2 always has q/k/v bias and never an o_proj bias; Llama, Mistral and Qwen3 follow attention_bias on all four.
        boolean attnBias = type.equals("qwen2") || n.path("attention_bias").asBoolean(false);
        boolean outBias = !type.equals("qwen2") && n.path("attention_bias").asBoolean(false);
        return new ModelConfig(Family.LLAMA, type, requiredInt(n, "vocab_size"), hidden,
                requiredInt(n, "num_hidden_layers"), heads, kv, headDim, requiredInt(n, "intermediate_size"),
                n.path("rms_norm_eps").asDouble(1e-6), theta, scaling, n.path("tie_word_embeddings").asBoolean(false),
                attnBias, outBias, type.equals("qwen3"), maxPos, 0.0, n.path("attention_dropout").asDouble(0.0), 0.0,
                n.path("initializer_range").asDouble(0.02), optionalInt(n, "bos_token_id"), eosIds(n),
                optionalInt(n, "pad_token_id"), n);
    }

    /** The token used to left-pad prompts: pad_token_id, else the first eos, else 0. */
    public int padOrEosTokenId() {
        if (padTokenId >= 0) {
            return padTokenId;
        }
        return eosTokenIds.isEmpty() ? 0 : eosTokenIds.get(0);
    }

    /** Number of query heads that share one key/value head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    private static List<Integer> eosIds(JsonNode n) {
        JsonNode e = n.path("eos_token_id");
        List<Integer> out = new ArrayList<>();
        if (e.isArray()) {
            e.forEach(x -> out.add(x.asInt()));
        } else if (e.isIntegralNumber()) {
            out.add(e.asInt());
        }
        return out;
    }

    private static int optionalInt(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (v.isArray()) {
            v = v.path(0);
        }
        return v.isIntegralNumber() ? v.asInt() : -1;
    }

    private static int requiredInt(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.isIntegralNumber()) {
            throw new UnsupportedConfigException("config.json: expected an integer '" + field + "', found "
                    + (v.isMissingNode() ? "nothing" : v.toString()));
        }
        return v.asInt();
    }

    private static void rejectIf(boolean cond, String what) {
        if (cond) {
            throw new UnsupportedConfigException("config.json: " + what
                    + " changes the model's math and is not supported by rlaif4j");
        }
    }

    private static void require(boolean cond, String field, String expected, Object found) {
        if (!cond) {
            throw new UnsupportedConfigException(String.format(Locale.ROOT, "config: %s: expected %s, found %s",
                    field, expected, found));
        }
    }
}
