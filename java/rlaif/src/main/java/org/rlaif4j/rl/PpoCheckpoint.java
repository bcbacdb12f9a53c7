package org.rlaif4j.rl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.model.ScalarHead;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.model.safetensors.SafetensorsCheckpoint;

/**
 * What a PPO run keeps to resume exactly, in one folder (written atomically by the caller through
 * {@link org.rlaif4j.train.CheckpointDirs}):
 *
 * <ul>
 *   <li>{@code policy/}: the policy, a Hugging Face causal-LM folder (loadable on its own);</li>
 *   <li>{@code value/}: the value model as a sequence-classification folder (separate or shared
 *       mode; in shared mode only its {@code score.weight} is read back, the backbone being the policy's);</li>
 *   <li>{@code optimizer.pt}: AdamW's moments and step counts (libtorch's optimizer archive);</li>
 *   <li>{@code trainer_state.json}: finished iterations, the KL coefficient, seed and modes.</li>
 * </ul>
 *
 * The data position and every random stream derive from (seed, iteration), so nothing else is needed.
 * The reference model is not saved: it is the starting policy, unchanged.
 */
public final class PpoCheckpoint {
    public static final String POLICY = "policy";
    public static final String VALUE = "value";
    public static final String OPTIMIZER = "optimizer.pt";
    public static final String STATE = "trainer_state.json";

    private PpoCheckpoint() {}

    /** Writes the trainer's state into {@code dir}. */
    public static void save(PpoTrainer trainer, Path dir) {
        trainer.policy().save(dir.resolve(POLICY));
        if (trainer.valueModel() != null) {
            trainer.valueModel().save(dir.resolve(VALUE));
        }
        try (PointerScope scope = new PointerScope()) {
            OutputArchive archive = new OutputArchive();
            trainer.optimizer().save(archive);
            archive.save_to(dir.resolve(OPTIMIZER).toString());
        }
        PpoTrainingConfig cfg = trainer.config();
        ObjectNode state = Jsonl.mapper().createObjectNode();
        state.put("format", 1);
        state.put("iteration", trainer.iteration());
        state.put("kl_coef", trainer.klController().value());
        state.put("skipped_minibatches", trainer.skippedMinibatches());
        state.put("seed", cfg.seed());
        state.put("advantage_mode", cfg.advantageMode().name());
        state.put("value_mode", cfg.valueMode().name());
        AtomicFiles.writeString(dir.resolve(STATE), state.toPrettyString() + "\n");
    }

    /**
     * Restores optimizer moments, iteration, KL coefficient and (shared mode) the value head into a
     * trainer built from this checkpoint's models ({@code policy/} and, in separate mode, {@code value/})
     * with the same configuration.
     */
    public static void restore(PpoTrainer trainer, Path dir) {
        JsonNode state;
        try {
            state = Jsonl.mapper().readTree(Files.readString(dir.resolve(STATE)));
        } catch (IOException e) {
            throw new UncheckedIOException(dir.resolve(STATE) + ": cannot read the trainer state", e);
        }
        PpoTrainingConfig cfg = trainer.config();
        check(state, "seed", Long.toString(cfg.seed()), dir);
        check(state, "advantage_mode", cfg.advantageMode().name(), dir);
        check(state, "value_mode", cfg.valueMode().name(), dir);
        if (cfg.usesCritic() && cfg.valueMode() == ValueMode.SHARED) {
            try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir.resolve(VALUE));
                    PointerScope scope = new PointerScope();
                    NoGradGuard g = new NoGradGuard()) {
                Tensor w = ck.load(ScalarHead.NAME);
                trainer.valueModel().head().weight().copy_(w);
            }
        }
        try (PointerScope scope = new PointerScope()) {
            InputArchive archive = new InputArchive();
            archive.load_from(dir.resolve(OPTIMIZER).toString());
            trainer.optimizer().load(archive);
        }
        trainer.restoreIteration(state.path("iteration").asInt(), state.path("kl_coef").asDouble(),
                state.path("skipped_minibatches").asInt());
    }

    /** The iteration a checkpoint folder holds (from its trainer state). */
    public static int iterationOf(Path dir) {
        try {
            return Jsonl.mapper().readTree(Files.readString(dir.resolve(STATE))).path("iteration").asInt();
        } catch (IOException e) {
            throw new UncheckedIOException(dir.resolve(STATE) + ": cannot read the trainer state", e);
        }
    }

    private static void check(JsonNode state, String field, String expected, Path dir) {
        String found = state.path(field).asText();
        if (!found.equals(expected)) {
            throw new IllegalArgumentException(dir.resolve(STATE) + ": " + field + " is " + found
                    + ", expected " + expected + " (the run's configuration); resume with the settings of the saved run");
        }
    }
}
