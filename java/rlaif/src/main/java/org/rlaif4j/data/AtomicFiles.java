package org.rlaif4j.data;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Whole-file and whole-folder writes that a kill at any moment leaves either untouched or
 * complete: the content goes to a temporary beside the target (a file forced to disk, or a
 * hidden folder {@code .NAME.tmp-*}), which is renamed over the target once complete.
 */
public final class AtomicFiles {
    private static final String TMP_DIR = ".tmp-";

    private AtomicFiles() {
    }

    /** Something that writes a file's content to a stream. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    public static void write(Path target, Content content) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE)) {
                content.writeTo(out);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that error is the one to report
                }
            }
        }
    }

    /**
     * Writes folder {@code target} whole: {@code writer} fills a hidden temporary folder beside
     * it, which is then renamed to {@code target}. An existing {@code target} is replaced when
     * {@code replace}, else refused. Returns {@code target}.
     */
    public static Path writeDirectory(Path target, boolean replace, Consumer<Path> writer) {
        Path abs = target.toAbsolutePath();
        if (!replace && Files.exists(abs)) {
            throw new IllegalStateException(abs + ": already exists; refusing to overwrite it");
        }
        Path tmp = abs.resolveSibling("." + abs.getFileName() + TMP_DIR + System.nanoTime());
        try {
            Files.createDirectories(tmp);
            writer.accept(tmp);
            if (Files.exists(abs)) {
                deleteTree(abs);
            }
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
        return target;
    }

    /** Deletes the {@code .*.tmp-*} folders that killed {@link #writeDirectory} calls left in {@code dir}. */
    public static void removeTemporaryDirectories(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().startsWith(".") && p.getFileName().toString().contains(TMP_DIR)
                    && Files.isDirectory(p)).forEach(AtomicFiles::deleteTree);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Deletes a file or a folder and everything in it; nothing when it does not exist. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
