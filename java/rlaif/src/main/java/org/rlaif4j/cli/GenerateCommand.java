package org.rlaif4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.rlaif4j.data.AppendLog;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.Line;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.feedback.ResponseSampler;
import org.rlaif4j.feedback.SamplingOptions;
import org.rlaif4j.feedback.TooLongPolicy;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.tokenizer.HfTokenizer;
import org.rlaif4j.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rlaif4j generate}: N sampled responses per prompt from a policy checkpoint, written as
 * every pair of them to a pairs JSONL for {@code label}. Resumable exactly once: pairs are keyed
 * {@code <prompt id>-<i>-<j>}, and each prompt is sampled with a seed of its own, so a rerun after a
 * kill writes only the missing pairs, with the responses an uninterrupted run would have drawn.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sample N responses per prompt from a policy checkpoint into a pairs JSONL "
                + "(every two responses of a prompt make a pair).",
                "Killed and rerun with the same arguments, it writes each pair exactly once."})
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, paramLabel = "DIR", description = "Causal-LM checkpoint folder.")
    Path policy;

    @Option(names = "--prompts", required = true, paramLabel = "FILE",
            description = "Prompts JSONL: prompt, and id (optional: the line number).")
    Path prompts;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Pairs JSONL: id, prompt, response_a, response_b; appended to when resuming.")
    Path out;

    @Option(names = {"-n", "--responses"}, paramLabel = "N", defaultValue = "2",
            description = "Responses per prompt, N >= 2: N(N-1)/2 pairs each (default ${DEFAULT-VALUE}).")
    int responses;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64", description = "Longest response (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Mixin
    SamplingFlags sampling;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "Seed; with the prompt id it fixes each prompt's responses (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--too-long", defaultValue = "fail", paramLabel = "fail|truncate",
            description = "A prompt that leaves no room for --max-new-tokens: fail (default), or keep its last tokens.")
    TooLongPolicy tooLong;

    @Option(names = "--bad-lines", defaultValue = "fail", paramLabel = "fail|skip",
            description = "Malformed input lines (file:line reported): stop before writing anything (default), or skip them.")
    BadLinePolicy badLines;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Mixin
    PromptFlags promptFlags;

    @picocli.CommandLine.Mixin
    DtypeFlag dtypeFlag;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        SamplingOptions options = new SamplingOptions(responses, maxNewTokens, sampling.temperature, sampling.topK, sampling.topP, seed, tooLong);
        List<Line<ObjectNode>> lines = InputFiles.readUnique(prompts, o -> Prompt.fromJson(o, "prompt"),
                badLines, msg -> {
                    stderr.println("warning: skipped " + msg);
                    stderr.flush();
                });
        CausalLm lm = CausalLm.load(policy, dtypeFlag.of(policy));
        try (HfTokenizer tokenizer = HfTokenizer.load(policy)) {
            ResponseSampler sampler = new ResponseSampler(lm, promptFlags.open(policy, tokenizer, lm.config()), options);
            Set<String> expected = new HashSet<>();
            for (Line<ObjectNode> l : lines) { // every prompt must fit before anything is written
                String id = InputFiles.idOf(l);
                try {
                    sampler.promptTokens(id, Prompt.fromJson(l.value(), "prompt"));
                } catch (IllegalArgumentException e) {
                    throw new DataFormatException(prompts + ":" + l.number() + ": " + e.getMessage(), e);
                }
                expected.addAll(sampler.pairIds(id));
            }
            int written = 0;
            int empty = 0;
            boolean fresh = !Files.exists(out);
            try (AppendLog log = AppendLog.open(out, "id")) {
                for (String k : log.keys()) {
                    if (!expected.contains(k)) {
                        throw new IllegalArgumentException(out + ": holds pair '" + k + "', which this input and -n "
                                + responses + " would not produce; pick another --out");
                    }
                }
                long done = lines.stream().filter(l -> log.keys().containsAll(sampler.pairIds(InputFiles.idOf(l)))).count();
                try (Progress bar = Progress.start("generate", lines.size(), done, "prompts", quiet, System.err)) {
                    for (Line<ObjectNode> l : lines) {
                        String id = InputFiles.idOf(l);
                        if (log.keys().containsAll(sampler.pairIds(id))) {
                            continue;
                        }
                        Prompt prompt = Prompt.fromJson(l.value(), "prompt");
                        List<String> drawn = sampler.sample(id, prompt);
                        empty += (int) drawn.stream().filter(String::isBlank).count();
                        for (PairRecord p : sampler.pairs(id, prompt, drawn)) {
                            if (!log.contains(p.id())) {
                                log.append(p.toJson());
                                written++;
                            }
                        }
                        bar.step();
                    }
                }
            } catch (RuntimeException e) {
                LabelCommand.deleteIfEmpty(fresh, out);
                throw e;
            }
            stdout.printf("wrote %d pairs (%d in all for %d prompts, %d responses each) to %s%n", written,
                    expected.size(), lines.size(), responses, out);
            if (empty > 0) {
                stderr.println("warning: " + empty + " responses drawn this run are empty (the policy stopped at once); "
                        + "label rejects such pairs unless run with --bad-lines skip");
            }
            stdout.flush();
            stderr.flush();
        }
        return 0;
    }
}
