package org.rlaif4j.reward;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Whole folders written so that a kill leaves either no folder or a complete one: the content goes
 * to a hidden sibling {@code .NAME.tmp-*}, which is renamed to {@code NAME} at the end. Leftover
 * temporaries of killed runs are removed by {@link #removeTemporaries}.
 */
final class AtomicDirectory {
    private static final String TMP = ".tmp-";

    private AtomicDirectory() {}

    /** Writes {@code target} (which must not exist) through {@code writer}, which fills the folder it gets. */
    static void write(Path target, Consumer<Path> writer) {
        Path abs = target.toAbsolutePath();
        if (Files.exists(abs)) {
            throw new IllegalStateException(abs + ": already exists; refusing to overwrite it");
        }
        Path tmp = abs.resolveSibling("." + abs.getFileName() + TMP + System.nanoTime());
        try {
            Files.createDirectories(tmp);
            writer.accept(tmp);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + abs, e);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    /** Deletes the {@code .*.tmp-*} folders that killed writes left in {@code dir}. */
    static void removeTemporaries(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().startsWith(".") && p.getFileName().toString().contains(TMP)
                    && Files.isDirectory(p)).forEach(AtomicDirectory::deleteTree);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
