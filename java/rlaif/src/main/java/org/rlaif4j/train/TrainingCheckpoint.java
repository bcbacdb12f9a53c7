package org.rlaif4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OutputArchive;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.Jsonl;

/**
 * A resumable training state in one folder: the model as a Hugging Face folder (written by the
 * caller's model-saving step), the AdamW state ({@code optimizer.pt}, libtorch's archive format)
 * and {@code trainer_state.json} ({@code step} = optimizer steps done, and under {@code config} the
 * settings that decide the trajectory). The folder is always written whole (a hidden temporary
 * folder renamed into place), so one that is present is complete.
 *
 * <p>Two layouts use it: {@code train-rm}'s {@code OUT/checkpoint-N/} ({@link #write}, older ones
 * removed, found by {@link #latest}) and {@code sft}'s {@code OUT/checkpoints/step-NNNNNN/} (filled
 * by {@link #fill} inside {@link CheckpointDirs#commit}, found through its {@code latest} file).
 */
public record TrainingCheckpoint(Path dir, long step) {
    public static final String PREFIX = "checkpoint-";
    public static final String STATE = "trainer_state.json";
    public static final String OPTIMIZER = "optimizer.pt";

    /** The {@code checkpoint-N} folder with the highest step in {@code out}, if any. */
    public static Optional<TrainingCheckpoint> latest(Path out) {
        return all(out).stream().max(Comparator.comparingLong(TrainingCheckpoint::step));
    }

    /** Every complete {@code checkpoint-N} folder in {@code out}. */
    public static List<TrainingCheckpoint> all(Path out) {
        List<TrainingCheckpoint> found = new ArrayList<>();
        if (!Files.isDirectory(out)) {
            return found;
        }
        try (Stream<Path> s = Files.list(out)) {
            s.forEach(p -> {
                String name = p.getFileName().toString();
                if (name.startsWith(PREFIX) && Files.isRegularFile(p.resolve(STATE))) {
                    try {
                        found.add(new TrainingCheckpoint(p, Long.parseLong(name.substring(PREFIX.length()))));
                    } catch (NumberFormatException ignored) {
                        // not one of ours
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + out, e);
        }
        return found;
    }

    /** Writes {@code OUT/checkpoint-step} whole and then removes older {@code checkpoint-N} folders. */
    public static TrainingCheckpoint write(Path out, long step, Consumer<Path> saveModel, Optimizer optimizer,
                                           ObjectNode trajectory) {
        Path dir = out.resolve(PREFIX + step);
        AtomicFiles.writeDirectory(dir, false, tmp -> fill(tmp, step, saveModel, optimizer, trajectory));
        for (TrainingCheckpoint old : all(out)) {
            if (old.step() != step) {
                AtomicFiles.deleteTree(old.dir());
            }
        }
        return new TrainingCheckpoint(dir, step);
    }

    /**
     * Fills the (temporary, not yet visible) folder {@code dir}: the model through {@code saveModel},
     * the optimizer state and the trainer state.
     */
    public static void fill(Path dir, long step, Consumer<Path> saveModel, Optimizer optimizer, ObjectNode trajectory) {
        saveModel.accept(dir);
        try (OutputArchive archive = new OutputArchive()) {
            optimizer.save(archive);
            archive.save_to(dir.resolve(OPTIMIZER).toString());
        }
        ObjectNode state = Jsonl.mapper().createObjectNode();
        state.put("step", step);
        state.set("config", trajectory);
        AtomicFiles.writeString(dir.resolve(STATE), state.toPrettyString());
    }

    /** The checkpoint in folder {@code dir}; fails with a clear message when it holds no trainer state. */
    public static TrainingCheckpoint read(Path dir) {
        if (!Files.isRegularFile(dir.resolve(STATE)) || !Files.isRegularFile(dir.resolve(OPTIMIZER))) {
            throw new IllegalStateException(dir + ": not a resumable checkpoint (no " + STATE + " and " + OPTIMIZER
                    + "; written by a version that could not resume?); pick a new --out, or start from its model "
                    + "with --model");
        }
        JsonNode step = state(dir).path("step");
        if (!step.canConvertToLong() || step.asLong() < 0) {
            throw new IllegalStateException(dir.resolve(STATE) + ": expected a step >= 0, found " + step);
        }
        return new TrainingCheckpoint(dir, step.asLong());
    }

    /** Fails unless this checkpoint was written with the same trajectory settings, naming each difference. */
    public void checkSameSettings(ObjectNode trajectory) {
        JsonNode saved = state(dir).path("config");
        JsonNode now = reread(trajectory); // compare as read back, so 1 (int) and 1 (long) are equal
        List<String> diffs = new ArrayList<>();
        for (Iterator<String> it = trajectory.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!now.get(f).equals(saved.get(f))) {
                diffs.add(f + ": checkpoint has " + saved.get(f) + ", this run has " + now.get(f));
            }
        }
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException(dir + ": cannot resume with different settings (" + String.join("; ", diffs)
                    + "); rerun with the same settings, or pick a new --out");
        }
    }

    private static JsonNode reread(ObjectNode node) {
        try {
            return Jsonl.mapper().readTree(node.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot re-read trainer settings", e);
        }
    }

    /** Loads the saved AdamW state (moments and step counts) into {@code optimizer}. */
    public void loadOptimizer(Optimizer optimizer) {
        try (InputArchive archive = new InputArchive()) {
            archive.load_from(dir.resolve(OPTIMIZER).toString());
            optimizer.load(archive);
        }
    }

    private static ObjectNode state(Path dir) {
        try {
            return (ObjectNode) Jsonl.mapper().readTree(dir.resolve(STATE).toFile());
        } catch (IOException | ClassCastException e) {
            throw new IllegalStateException(dir.resolve(STATE) + ": unreadable trainer state", e);
        }
    }
}
