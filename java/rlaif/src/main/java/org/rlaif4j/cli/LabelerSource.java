package org.rlaif4j.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.feedback.Labeler;
import org.rlaif4j.feedback.LabelerOptions;
import org.rlaif4j.feedback.LocalLmLabeler;
import org.rlaif4j.feedback.OpenAiCompatibleLabeler;
import org.rlaif4j.feedback.ServerConfig;

/**
 * The AI labeler a command names: a local checkpoint folder, or a model on an OpenAI-compatible
 * server (default timeouts, retries and concurrency of {@link ServerConfig#of}). The option names
 * differ between commands ({@code --labeler} for ppo, {@code --judge-labeler} for eval), so they
 * are passed in for the error messages.
 */
record LabelerSource(Path dir, URI server, String model, String apiKeyEnv, Path constitution, String dtype) {
    /** A labeler run in its checkpoint's dtype. */
    LabelerSource(Path dir, URI server, String model, String apiKeyEnv, Path constitution) {
        this(dir, server, model, apiKeyEnv, constitution, "auto");
    }

    /** The same labeler computed in {@code dtype} ({@code auto}: the checkpoint's). */
    LabelerSource withDtype(String d) {
        return new LabelerSource(dir, server, model, apiKeyEnv, constitution, d);
    }

    /** Option names as the command spells them, for messages. */
    record Names(String dir, String server, String model, String apiKeyEnv, String constitution) {
        /** label and ppo. */
        static final Names PLAIN = new Names("--labeler", "--server", "--model", "--api-key-env", "--constitution");
        static final Names JUDGE = new Names("--judge-labeler", "--judge-server", "--judge-model", "--judge-api-key-env",
                "--judge-constitution");
    }

    /** True when any labeler option was given. */
    boolean anyGiven() {
        return dir != null || server != null || model != null || apiKeyEnv != null || constitution != null;
    }

    /** Exactly one of the folder or the server, and the server with a model name. */
    void validate(Names n) {
        if ((dir == null) == (server == null)) {
            throw new IllegalArgumentException("labeler: expected exactly one of " + n.dir() + " DIR or " + n.server()
                    + " URL, found " + (dir == null ? "neither" : "both"));
        }
        if (server != null && (model == null || model.isBlank())) {
            throw new IllegalArgumentException(n.server() + " needs " + n.model() + " NAME (the model the server serves)");
        }
        if (server == null && (model != null || apiKeyEnv != null)) {
            throw new IllegalArgumentException(n.model() + " and " + n.apiKeyEnv() + " apply to " + n.server() + " only");
        }
    }

    Constitution loadConstitution() {
        return constitution == null ? Constitution.defaults() : Constitution.load(constitution);
    }

    /** Opens the labeler with the constitution file (or the built-in one); the caller closes it. */
    Labeler open(LabelerOptions options) {
        return open(loadConstitution(), options);
    }

    /** Opens the labeler with the given constitution; the caller closes it. */
    Labeler open(Constitution c, LabelerOptions options) {
        return open(c, options, UnaryOperator.identity());
    }

    /** As {@link #open(Constitution, LabelerOptions)}, a server's defaults changed by {@code serverSettings}. */
    Labeler open(Constitution c, LabelerOptions options, UnaryOperator<ServerConfig> serverSettings) {
        if (dir != null) {
            return LocalLmLabeler.load(dir, c, options, org.rlaif4j.model.ModelDtype.resolve(dtype, dir));
        }
        return new OpenAiCompatibleLabeler(serverSettings.apply(ServerConfig.of(server, model, apiKeyEnv)), c, options);
    }
}
