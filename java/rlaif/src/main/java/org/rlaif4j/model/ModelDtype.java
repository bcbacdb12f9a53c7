package org.rlaif4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The compute dtype of a frozen model (reference, reward model when scoring, labeler, serve,
 * generate): {@code auto} runs a checkpoint in the dtype it was saved in ({@code torch_dtype}, or
 * {@code dtype} in newer config.json files), so a bf16 checkpoint takes half the memory; trained
 * weights stay float32 (master weights). The kernels run float32 and bfloat16, so a float16
 * checkpoint runs in float32.
 */
public final class ModelDtype {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelDtype() {}

    /**
     * @param spec {@code auto}, {@code float32} or {@code bfloat16} (also {@code fp32}, {@code bf16})
     * @param dir  the checkpoint folder, read for {@code auto}
     */
    public static ScalarType resolve(String spec, Path dir) {
        String s = spec == null ? "auto" : spec.toLowerCase(Locale.ROOT);
        switch (s) {
            case "auto":
                return saved(dir);
            case "float32":
            case "fp32":
                return ScalarType.Float;
            case "bfloat16":
            case "bf16":
                return ScalarType.BFloat16;
            default:
                throw new IllegalArgumentException("--dtype: expected auto, float32 or bfloat16, found " + spec);
        }
    }

    /** The dtype {@code dir}'s config.json names: bfloat16, else float32 (also for float16 and none). */
    public static ScalarType saved(Path dir) {
        Path cfg = dir.resolve("config.json");
        if (!Files.isRegularFile(cfg)) {
            return ScalarType.Float;
        }
        try {
            JsonNode n = JSON.readTree(cfg.toFile());
            String d = n.path("torch_dtype").asText(n.path("dtype").asText(""));
            return d.equals("bfloat16") ? ScalarType.BFloat16 : ScalarType.Float;
        } catch (IOException e) {
            throw new IllegalArgumentException(cfg + ": not valid JSON: " + e.getMessage());
        }
    }
}
