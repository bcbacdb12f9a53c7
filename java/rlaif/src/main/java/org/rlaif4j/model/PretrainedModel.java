package org.rlaif4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.model.safetensors.SafetensorsCheckpoint;
import org.rlaif4j.model.safetensors.TensorSource;

/**
 * A backbone plus a head, loaded from and saved to a Hugging Face checkpoint folder
 * ({@code config.json} + {@code model.safetensors} or shards).
 */
public abstract sealed class PretrainedModel permits CausalLm, ScalarHeadModel {
    /** Files copied along when a model loaded from a folder is saved to another. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json", "vocab.json", "merges.txt", "chat_template.jinja",
            "chat_template.json");
    /** Default shard size when saving: large enough that small models stay in one file. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5L << 30;

    private static final ObjectMapper JSON = new ObjectMapper();

    protected final Transformer backbone;
    private final Path sourceDir;

    protected PretrainedModel(Transformer backbone, Path sourceDir) {
        this.backbone = backbone;
        this.sourceDir = sourceDir;
    }

    public ModelConfig config() {
        return backbone.config();
    }

    public Transformer backbone() {
        return backbone;
    }

    /** The folder this model was loaded from, or null. */
    public Path sourceDir() {
        return sourceDir;
    }

    /** Head parameters by checkpoint name (empty for a tied LM head). */
    protected abstract Map<String, Tensor> headParameters();

    /** Class-name suffix in {@code architectures}: "ForCausalLM" or "ForSequenceClassification". */
    protected abstract String architecture();

    /** Every trainable tensor by checkpoint name (a tied head appears once, as the embedding). */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> all = new LinkedHashMap<>(backbone.parameters());
        all.putAll(headParameters());
        return all;
    }

    /** Parameters with requires_grad = true. */
    public List<Tensor> trainableParameters() {
        List<Tensor> out = new ArrayList<>();
        namedParameters().values().forEach(t -> {
            if (t.requires_grad()) {
                out.add(t);
            }
        });
        return out;
    }

    /** Freezes (requires_grad = false) every parameter whose checkpoint name matches. */
    public void freeze(Predicate<String> names) {
        namedParameters().forEach((n, t) -> {
            if (names.test(n)) {
                t.set_requires_grad(false);
            }
        });
    }

    /** Makes every parameter trainable again. */
    public void unfreezeAll() {
        namedParameters().values().forEach(t -> t.set_requires_grad(true));
    }

    /** Training mode (dropout on where configured) or evaluation mode (the default). */
    public void train(boolean on) {
        backbone.train(on);
    }

    public boolean isTraining() {
        return backbone.isTraining();
    }

    /** Saves in float32... or the parameters' dtype, as one file. */
    public void save(Path dir) {
        save(dir, backbone.dtype(), DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * Saves a Hugging Face checkpoint folder: config.json (the loaded one, with architectures and
     * dtype updated), weights in {@code dtype} (sharded above {@code maxShardBytes}), and the tokenizer
     * files of the folder it was loaded from.
     */
    public void save(Path dir, ScalarType dtype, long maxShardBytes) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Ops.scoped(() -> {
            namedParameters().forEach((n, t) -> {
                Tensor d = t.detach();
                tensors.put(n, Ops.dtype(d) == dtype ? d : d.to(dtype));
            });
            SafetensorsCheckpoint.write(dir, tensors, Map.of("format", "pt"), maxShardBytes);
            return null;
        });
        try {
            ObjectNode cfg = config().json();
            cfg.putArray("architectures").add(Checkpoints.architectureName(config()) + architecture());
            cfg.put("torch_dtype", Checkpoints.dtypeName(dtype));
            customizeConfig(cfg);
            SafetensorsCheckpoint.writeAtomically(dir.resolve("config.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg));
            if (sourceDir != null && !Files.isSameFile(sourceDir, Files.createDirectories(dir))) {
                for (String f : TOKENIZER_FILES) {
                    if (Files.isRegularFile(sourceDir.resolve(f))) {
                        Files.copy(sourceDir.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot save", e);
        }
    }

    /** Lets a head add its own config fields. */
    protected void customizeConfig(ObjectNode cfg) {}

    /** Fails when the checkpoint holds tensors that nothing consumed (ignoring known buffers). */
    static void checkNoUnexpected(TensorSource source, Set<String> consumed, Path dir) {
        List<String> extra = source.names().stream()
                .filter(n -> !consumed.contains(n) && !Checkpoints.isIgnorableBuffer(n))
                .sorted().collect(Collectors.toList());
        if (!extra.isEmpty()) {
            throw new IllegalArgumentException(dir + ": unexpected tensors in checkpoint (" + extra.size() + "): "
                    + extra.subList(0, Math.min(5, extra.size())) + (extra.size() > 5 ? " ..." : ""));
        }
    }
}
