package org.rlaif4j.pipeline;

import java.nio.file.Path;

/**
 * One stage of a pipeline run, in its own folder of the run directory.
 *
 * @param resumable   the stage continues where a killed run stopped (append logs, checkpoints), so its folder is
 *                    kept; otherwise an unfinished folder is emptied before the stage runs again
 * @param fingerprint the stage's settings; a finished stage whose recorded fingerprint differs is refused, not rerun
 */
public record Stage(String name, Path dir, boolean resumable, String fingerprint, Body body) {
    /** What the stage does. */
    @FunctionalInterface
    public interface Body {
        void run(Runner runner);
    }

    /** What a stage body may use. */
    public interface Runner {
        /** Runs {@code rlaif4j <args>}; a non-zero exit stops the pipeline naming the stage. */
        void cli(java.util.List<String> args);
    }
}
