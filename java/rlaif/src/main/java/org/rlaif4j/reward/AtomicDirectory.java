package org.rlaif4j.reward;

import java.nio.file.Path;
import java.util.function.Consumer;
import org.rlaif4j.data.AtomicFiles;

/** The reward trainer's whole-folder writes: {@link AtomicFiles#writeDirectory}, never replacing a folder. */
final class AtomicDirectory {
    private AtomicDirectory() {}

    /** Writes {@code target} (which must not exist) through {@code writer}, which fills the folder it gets. */
    static void write(Path target, Consumer<Path> writer) {
        AtomicFiles.writeDirectory(target, false, writer);
    }

    /** Deletes the {@code .*.tmp-*} folders that killed writes left in {@code dir}. */
    static void removeTemporaries(Path dir) {
        AtomicFiles.removeTemporaryDirectories(dir);
    }

    static void deleteTree(Path root) {
        AtomicFiles.deleteTree(root);
    }
}
