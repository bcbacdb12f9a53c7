package org.rlaif4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.rlaif4j.data.AtomicFiles;

/**
 * Checkpoint folders under one root, each written whole or not at all: the content goes to a
 * hidden temporary folder beside the target, which is renamed into place once complete; then the
 * one-line file {@code latest} is replaced atomically with the new folder's name. A kill at any
 * moment leaves the previous checkpoint and {@code latest} intact.
 */
public final class CheckpointDirs {
    /** The file naming the newest complete checkpoint folder. */
    public static final String LATEST = "latest";

    private CheckpointDirs() {}

    /**
     * Writes checkpoint {@code name} under {@code root} with {@code writer} (given the temporary
     * folder to fill), renames it into place, replacing an older folder of the same name, and points
     * {@code latest} at it. Returns the final folder.
     */
    public static Path commit(Path root, String name, Consumer<Path> writer) {
        Path target = writeDir(root.resolve(name), writer);
        AtomicFiles.writeString(root.resolve(LATEST), name + "\n");
        return target;
    }

    /**
     * Writes folder {@code target} whole: {@code writer} fills a hidden temporary folder beside it,
     * which then replaces {@code target}. Returns {@code target}.
     */
    public static Path writeDir(Path target, Consumer<Path> writer) {
        return AtomicFiles.writeDirectory(target, true, writer);
    }

    /** The folder {@code latest} names, when it exists and is complete (a folder). */
    public static Optional<Path> latest(Path root) {
        Path file = root.resolve(LATEST);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            Path dir = root.resolve(Files.readString(file, StandardCharsets.UTF_8).trim());
            return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Deletes all but the newest {@code keep} folders whose names start with {@code prefix}
     * (names sort by age: use zero-padded numbers), never the one {@code latest} names.
     */
    public static void prune(Path root, String prefix, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep: expected >= 1, found " + keep);
        }
        Optional<Path> newest = latest(root);
        try (Stream<Path> s = Files.list(root)) {
            List<Path> dirs = s.filter(Files::isDirectory)
                    .filter(p -> p.getFileName().toString().startsWith(prefix))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
            for (int i = 0; i < dirs.size() - keep; i++) {
                if (newest.isEmpty() || !Files.isSameFile(dirs.get(i), newest.get())) {
                    AtomicFiles.deleteTree(dirs.get(i));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + root, e);
        }
    }

    /** Deletes {@code dir} and everything under it; a missing folder is fine. */
    public static void deleteTree(Path dir) {
        AtomicFiles.deleteTree(dir);
    }
}
