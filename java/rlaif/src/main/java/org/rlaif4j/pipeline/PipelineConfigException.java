package org.rlaif4j.pipeline;

import java.nio.file.Path;
import java.util.List;

/** A pipeline config with problems: all of them, one per line, so they can be fixed in one go. */
public final class PipelineConfigException extends IllegalArgumentException {
    private final List<String> problems;

    public PipelineConfigException(Path file, List<String> problems) {
        super(file + ": " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":\n  "
                + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
