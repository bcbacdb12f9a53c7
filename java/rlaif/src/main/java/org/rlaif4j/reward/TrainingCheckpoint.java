package org.rlaif4j.reward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OutputArchive;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.model.ScalarHeadModel;

/**
 * A resumable training state {@code OUT/checkpoint-N/}: the reward model as a Hugging Face folder,
 * the AdamW state ({@code optimizer.pt}, libtorch's archive format) and {@code trainer_state.json}
 * ({@code step} = optimizer steps done, and the settings that decide the trajectory). Each is
 * written as a whole folder ({@link AtomicDirectory}), so the newest one present is complete.
 */
record TrainingCheckpoint(Path dir, long step) {
    static final String PREFIX = "checkpoint-";
    static final String STATE = "trainer_state.json";
    static final String OPTIMIZER = "optimizer.pt";

    /** The checkpoint with the highest step in {@code out}, if any. */
    static Optional<TrainingCheckpoint> latest(Path out) {
        return all(out).stream().max(java.util.Comparator.comparingLong(TrainingCheckpoint::step));
    }

    static List<TrainingCheckpoint> all(Path out) {
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

    /** Writes {@code OUT/checkpoint-step} and then removes older checkpoints. */
    static TrainingCheckpoint write(Path out, long step, ScalarHeadModel model, Optimizer optimizer,
                                    ObjectNode trajectory) {
        Path dir = out.resolve(PREFIX + step);
        AtomicDirectory.write(dir, tmp -> {
            model.save(tmp);
            try (OutputArchive archive = new OutputArchive()) {
                optimizer.save(archive);
                archive.save_to(tmp.resolve(OPTIMIZER).toString());
            }
            ObjectNode state = Jsonl.mapper().createObjectNode();
            state.put("step", step);
            state.set("config", trajectory);
            AtomicFiles.writeString(tmp.resolve(STATE), state.toPrettyString());
        });
        for (TrainingCheckpoint old : all(out)) {
            if (old.step() != step) {
                AtomicDirectory.deleteTree(old.dir());
            }
        }
        return new TrainingCheckpoint(dir, step);
    }

    /** Fails unless this checkpoint was written with the same trajectory settings. */
    void checkSameSettings(ObjectNode trajectory) {
        JsonNode saved = state().path("config");
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

    void loadOptimizer(Optimizer optimizer) {
        try (InputArchive archive = new InputArchive()) {
            archive.load_from(dir.resolve(OPTIMIZER).toString());
            optimizer.load(archive);
        }
    }

    private ObjectNode state() {
        try {
            return (ObjectNode) Jsonl.mapper().readTree(dir.resolve(STATE).toFile());
        } catch (IOException | ClassCastException e) {
            throw new IllegalStateException(dir.resolve(STATE) + ": unreadable trainer state", e);
        }
    }
}
