package org.rlaif4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.Jsonl;

/**
 * Runs a plan's stages in order. A stage that finishes leaves a marker ({@value #MARKER}) in its
 * folder with its settings; a rerun skips it when the settings are the same and refuses when they
 * changed (its outputs no longer match the config). An unfinished stage is run again: resumable
 * stages continue from what their folder holds, the others start from an emptied folder.
 */
public final class PipelineRunner {
    public static final String MARKER = ".stage.json";

    /**
     * What happened to one stage in this run.
     *
     * @param seconds how long the stage ran, in this run or (when skipped) in the run that finished it
     */
    public record Outcome(String stage, Path dir, boolean skipped, double seconds) {}

    private final Commands commands;
    private final PrintWriter out;

    public PipelineRunner(Commands commands, PrintWriter out) {
        this.commands = commands;
        this.out = out;
    }

    public List<Outcome> run(PipelinePlan plan) {
        List<Outcome> outcomes = new ArrayList<>();
        int n = plan.stages().size();
        for (int i = 0; i < n; i++) {
            Stage s = plan.stages().get(i);
            String tag = String.format(Locale.ROOT, "[%d/%d] %s", i + 1, n, s.name());
            Path marker = s.dir().resolve(MARKER);
            if (Files.isRegularFile(marker)) {
                JsonNode recorded = readMarker(marker);
                if (!recorded.path("fingerprint").asText().equals(s.fingerprint())) {
                    throw new IllegalArgumentException("stage " + s.name() + ": " + s.dir() + " finished with other settings "
                            + "than the config now gives; delete that folder and those of the later stages to run it again");
                }
                out.println(tag + ": finished earlier, skipped (" + s.dir() + ")");
                out.flush();
                outcomes.add(new Outcome(s.name(), s.dir(), true, recorded.path("seconds").asDouble()));
                continue;
            }
            if (!s.resumable()) {
                deleteTree(s.dir()); // a half-done stage that cannot resume starts clean
            }
            createDirectories(s.dir());
            out.println(tag + ": running in " + s.dir());
            out.flush();
            long t0 = System.nanoTime();
            s.body().run(args -> {
                int code = commands.run(args);
                if (code != 0) {
                    throw new IllegalArgumentException("stage " + s.name() + ": 'rlaif4j " + String.join(" ", args.subList(0,
                            Math.min(2, args.size()))) + " ...' failed (exit code " + code + ", message above); fix the "
                            + "cause and rerun the pipeline: finished stages are skipped");
                }
            });
            double seconds = (System.nanoTime() - t0) / 1e9;
            ObjectNode m = Jsonl.mapper().createObjectNode().put("stage", s.name()).put("fingerprint", s.fingerprint())
                    .put("seconds", seconds);
            AtomicFiles.writeString(marker, m.toPrettyString() + "\n");
            out.printf(Locale.ROOT, "%s: done in %.1f s%n", tag, seconds);
            out.flush();
            outcomes.add(new Outcome(s.name(), s.dir(), false, seconds));
        }
        return outcomes;
    }

    private static JsonNode readMarker(Path marker) {
        try {
            return Jsonl.mapper().readTree(Files.readString(marker));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + marker, e);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot empty " + dir, e);
        }
    }
}
