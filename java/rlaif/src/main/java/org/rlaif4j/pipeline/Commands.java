package org.rlaif4j.pipeline;

import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/** The rlaif4j command line as the pipeline sees it: each stage's options, and running one command. */
public interface Commands {
    /** The spec of a (sub)command, e.g. {@code spec("eval", "win-rate")}. */
    CommandSpec spec(String... path);

    /** Runs {@code rlaif4j <args>} in this process; returns its exit code (its errors already printed). */
    int run(List<String> args);
}
