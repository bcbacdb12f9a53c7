package org.rlaif4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.rlaif4j.data.AppendLog;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.data.PreferenceRecord;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.feedback.LabelReport;
import org.rlaif4j.feedback.Labeler;
import org.rlaif4j.feedback.LabelerOptions;
import org.rlaif4j.feedback.PreferenceLabel;
import org.rlaif4j.feedback.ServerApi;
import org.rlaif4j.feedback.TooLongPolicy;
import org.rlaif4j.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rlaif4j label}: a pairs JSONL into a preferences JSONL with an AI labeler and a
 * constitution. Resumable exactly once: the output is an {@link AppendLog} keyed by pair id, so a
 * rerun of the same command after a kill labels only what is missing. The review file and the
 * report are derived from the whole output at the end and written atomically, so they are the
 * same whether or not the run was interrupted.
 */
@Command(name = "label", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Label response pairs with an AI labeler steered by a constitution: soft preferences "
                + "read from the label tokens' log-probs, both orders averaged.",
                "Killed at any moment and rerun with the same arguments, it finishes with every pair labeled once."})
public final class LabelCommand implements Callable<Integer> {
    @Option(names = "--pairs", required = true, paramLabel = "FILE",
            description = "Pairs JSONL: id (optional: the line number), prompt, response_a, response_b.")
    Path pairs;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Preferences JSONL (prompt/chosen/rejected, response_a/b, p_a, p_a_ab, p_a_ba, labeler, "
                    + "constitution_sha256, rationale); appended to when resuming.")
    Path out;

    @Option(names = "--labeler", paramLabel = "DIR", description = "Local labeler: a causal-LM checkpoint folder.")
    Path labelerDir;

    @Option(names = "--server", paramLabel = "URL",
            description = "Labeler server with an OpenAI-compatible /v1/completions and logprobs (vLLM, llama.cpp, Ollama).")
    URI server;

    @Option(names = "--api", paramLabel = "completions|chat", defaultValue = "completions",
            description = "Endpoint of --server: completions (/v1/completions, the prompt as text; default) or chat "
                    + "(/v1/chat/completions, the preamble as system message and the rest as user message, "
                    + "rendered by the server's chat template).")
    ServerApi api;

    @Option(names = "--model", paramLabel = "NAME", description = "Model name sent to --server.")
    String model;

    @Option(names = "--api-key-env", paramLabel = "VAR", description = "Environment variable holding the server's API key.")
    String apiKeyEnv;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "8", description = "Requests in flight at once (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--timeout-s", paramLabel = "SECONDS", defaultValue = "60", description = "Per-request timeout in seconds (default ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "5",
            description = "Retries on 429, 5xx, timeouts and refused connections, with exponential backoff (default ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--top-logprobs", paramLabel = "N", defaultValue = "20", description = "Top log-probs asked of the server (default ${DEFAULT-VALUE}).")
    int topLogprobs;

    @Option(names = "--constitution", paramLabel = "FILE", description = "Constitution JSON (default: the built-in one).")
    Path constitutionFile;

    @Option(names = "--no-swap", description = "Read only the A-first order (no position-swap debiasing).")
    boolean noSwap;

    @Option(names = "--cot", description = "Chain of thought: a greedy rationale first, then the label.")
    boolean cot;

    @Option(names = "--cot-max-tokens", paramLabel = "N", defaultValue = "128", description = "Longest rationale (default ${DEFAULT-VALUE}).")
    int cotMaxTokens;

    @Option(names = "--too-long", defaultValue = "fail", paramLabel = "fail|truncate",
            description = "A pair whose prompt exceeds a local labeler's context: fail (default), or drop the start "
                    + "of the context, then the ends of the responses.")
    TooLongPolicy tooLong;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8",
            description = "Pairs per labeler call (default ${DEFAULT-VALUE}); a local labeler runs a call's prompts "
                    + "(2 per pair and ensemble principle) as one forward pass, so memory grows with it.")
    int batchSize;

    @Option(names = "--bad-lines", defaultValue = "fail", paramLabel = "fail|skip",
            description = "Malformed input lines (file:line reported): stop before writing anything (default), or skip them.")
    BadLinePolicy badLines;

    @Option(names = "--review", paramLabel = "FILE", description = "Review JSONL (default: OUT with .review.jsonl).")
    Path review;

    @Option(names = "--review-below", paramLabel = "P", defaultValue = "0.6",
            description = "Labels less confident than this go to the review file, as do pairs whose orders disagree (default ${DEFAULT-VALUE}).")
    double reviewBelow;

    @Option(names = "--report", paramLabel = "FILE", description = "Report JSON (default: OUT with .report.json).")
    Path report;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @picocli.CommandLine.Mixin
    DtypeFlag dtypeFlag;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        checkArguments();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        Constitution constitution = source().loadConstitution();
        int[] skipped = {0};
        List<PairRecord> input = readPairs(msg -> {
            skipped[0]++;
            stderr.println("warning: skipped " + msg);
            stderr.flush();
        });
        LabelerOptions options = new LabelerOptions(!noSwap, cot, cotMaxTokens, tooLong);
        String sha = constitution.sha256();
        try (Labeler labeler = openLabeler(constitution, options)) {
            labeler.check(input); // bad pairs stop the job before anything is written
            int labeledNow = 0;
            boolean fresh = !Files.exists(out);
            try (AppendLog log = AppendLog.open(out, "id")) {
                if (log.repairedBytes() > 0) {
                    stderr.println("note: removed a partial last line of " + out + " (" + log.repairedBytes()
                            + " bytes) left by an interrupted run; that pair is labeled again");
                }
                checkResumable(input, labeler.name(), sha);
                List<PairRecord> todo = input.stream().filter(p -> !log.contains(p.id())).toList();
                try (Progress bar = Progress.start("label", input.size(), input.size() - todo.size(), "pairs", quiet,
                        System.err)) {
                    for (int from = 0; from < todo.size(); from += batchSize) {
                        List<PairRecord> batch = todo.subList(from, Math.min(todo.size(), from + batchSize));
                        List<PreferenceLabel> labels = labeler.label(batch);
                        for (int i = 0; i < batch.size(); i++) {
                            log.append(record(batch.get(i), labels.get(i), labeler.name(), sha));
                        }
                        labeledNow += batch.size();
                        bar.stepBy(batch.size());
                    }
                }
            } catch (RuntimeException e) {
                deleteIfEmpty(fresh, out); // a labeler that fails at once leaves no empty output behind
                throw e;
            }
            finish(input.size(), labeledNow, skipped[0], labeler.name(), sha, stdout);
        }
        return 0;
    }

    private void checkArguments() {
        source().validate(LabelerSource.Names.PLAIN);
        if (server == null && api != ServerApi.COMPLETIONS) {
            throw new IllegalArgumentException("--api applies to --server only");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size: expected >= 1, found " + batchSize);
        }
        if (!(reviewBelow >= 0.5 && reviewBelow <= 1)) {
            throw new IllegalArgumentException("--review-below: expected a confidence in [0.5, 1], found " + reviewBelow);
        }
        if (!(timeoutSeconds > 0)) {
            throw new IllegalArgumentException("--timeout-s: expected > 0, found " + timeoutSeconds);
        }
    }

    private List<PairRecord> readPairs(Consumer<String> warn) {
        return InputFiles.readUnique(pairs, o -> {
            PairRecord p = PairRecord.fromJson(o, 0);
            if (p.responseA().isBlank() || p.responseB().isBlank()) {
                throw new DataFormatException("field '" + (p.responseA().isBlank() ? "response_a" : "response_b")
                        + "' is empty: there is nothing to compare");
            }
        }, badLines, warn).stream().map(l -> PairRecord.fromJson(l.value(), l.number())).toList();
    }

    private LabelerSource source() {
        return new LabelerSource(labelerDir, server, model, apiKeyEnv, constitutionFile, dtypeFlag.dtype);
    }

    private Labeler openLabeler(Constitution constitution, LabelerOptions options) {
        return source().open(constitution, options, cfg -> cfg
                .withTimeout(Duration.ofMillis(Math.round(timeoutSeconds * 1000)))
                .withRetries(retries, Duration.ofMillis(500), Duration.ofSeconds(30))
                .withConcurrency(concurrency).withTopLogprobs(topLogprobs).withApi(api));
    }

    /** An existing output must come from this input, labeler and constitution, or resuming would mix labels. */
    private void checkResumable(List<PairRecord> input, String labelerName, String sha) {
        Set<String> ids = input.stream().map(PairRecord::id).collect(Collectors.toSet());
        for (ObjectNode r : AppendLog.readAll(out)) {
            String id = r.get("id").asText();
            if (!ids.contains(id)) {
                throw new IllegalArgumentException(out + ": holds a label for pair '" + id + "', which is not in "
                        + pairs + "; was it made from another input? Pick another --out");
            }
            String l = r.path("labeler").asText(null);
            String s = r.path("constitution_sha256").asText(null);
            if (!labelerName.equals(l) || !sha.equals(s)) {
                throw new IllegalArgumentException(out + ": pair '" + id + "' was labeled by " + l + " with constitution "
                        + s + ", this run uses " + labelerName + " with constitution " + sha
                        + "; resuming would mix labels. Pick another --out");
            }
        }
    }

    private static ObjectNode record(PairRecord p, PreferenceLabel l, String labelerName, String sha) {
        ObjectNode o = new PreferenceRecord(p.id(), p.prompt(), p.responseA(), p.responseB(), l.pA(), l.pAAb(),
                l.pABa(), labelerName, sha, l.rationale()).toJson();
        if (l.rationaleBa() != null) {
            o.put("rationale_ba", l.rationaleBa());
        }
        ArrayNode names = o.putArray("principles");
        l.principles().forEach(names::add);
        if (l.truncated()) {
            o.put("truncated", true);
        }
        return o;
    }

    private void finish(int inputs, int labeledNow, int skippedLines, String labelerName, String sha, PrintWriter stdout) {
        List<ObjectNode> records = AppendLog.readAll(out);
        List<PreferenceRecord> labels = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            labels.add(PreferenceRecord.fromJson(records.get(i), i + 1));
        }
        LabelReport stats = LabelReport.of(labels, reviewBelow);
        Path reviewFile = review != null ? review : sibling(out, ".review.jsonl");
        Path reportFile = report != null ? report : sibling(out, ".report.json");
        AtomicFiles.write(reviewFile, w -> {
            for (int i = 0; i < labels.size(); i++) {
                String reason = LabelReport.reviewReason(labels.get(i), reviewBelow);
                if (reason != null) {
                    ObjectNode o = records.get(i).deepCopy();
                    o.put("review_reason", reason);
                    w.write((Jsonl.toLine(o) + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        });
        ObjectNode json = stats.toJson();
        json.put("pairs", inputs);
        json.put("labeled_this_run", labeledNow);
        json.put("skipped_lines", skippedLines);
        json.put("labeler", labelerName);
        json.put("constitution_sha256", sha);
        json.put("out", out.toString());
        json.put("review_file", reviewFile.toString());
        AtomicFiles.writeString(reportFile, json.toPrettyString() + "\n");
        stdout.printf("labeled %d pairs (%d this run) into %s; %d for review in %s; report %s%n", stats.count(),
                labeledNow, out, stats.review(), reviewFile, reportFile);
        stdout.println(json.toPrettyString());
        stdout.flush();
    }

    static void deleteIfEmpty(boolean createdByThisRun, Path file) {
        try {
            if (createdByThisRun && Files.exists(file) && Files.size(file) == 0) {
                Files.delete(file);
            }
        } catch (IOException e) {
            // the original error is the one to report
        }
    }

    /** {@code dir/name.jsonl} -> {@code dir/name<suffix>}. */
    static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        String stem = name.endsWith(".jsonl") ? name.substring(0, name.length() - 6) : name;
        return file.resolveSibling(stem + suffix);
    }
}
