package org.rlaif4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.rlaif4j.cai.CritiqueChain;
import org.rlaif4j.cai.CritiqueConfig;
import org.rlaif4j.cai.CritiqueLoop;
import org.rlaif4j.cai.LmTextModel;
import org.rlaif4j.data.AppendLog;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.data.Line;
import org.rlaif4j.feedback.Constitution;
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
 * {@code rlaif4j critique}: the Constitutional AI supervised stage. Two append logs keyed by prompt
 * id: the chain (every round) is appended first, then the SFT record; a prompt is done once its SFT
 * record is written, and a prompt whose chain was written before a kill gets its SFT record from
 * that chain without generating again. So a rerun after a kill finishes every prompt exactly once
 * in both files.
 */
@Command(name = "critique", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Constitutional AI supervised stage: sample a response to each prompt, then for N rounds ask the "
                + "model to critique it under a randomly drawn principle and to revise it.",
                "Writes the prompt/final-revision pairs as an SFT dataset (OUT) and every round to the chain file. "
                        + "Killed at any moment and rerun with the same arguments, it finishes with every prompt written once."})
public final class CritiqueCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Causal-LM checkpoint that answers, critiques and revises.")
    Path model;

    @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "Prompts JSONL: {\"id\"?, \"prompt\"} (id defaults to the line number).")
    Path prompts;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "SFT dataset JSONL: {\"id\", \"prompt\", \"response\"} with the final revision; appended to when resuming.")
    Path out;

    @Option(names = "--chain", paramLabel = "FILE", description = "Every round (principle, critique, revision) per prompt "
            + "(default: OUT with .chain.jsonl).")
    Path chain;

    @Option(names = "--constitution", paramLabel = "FILE", description = "Constitution JSON: its principles and critique_request / "
            + "revision_request templates ({principle} is replaced by the drawn principle; default: the built-in one).")
    Path constitutionFile;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "1", description = "Critique-revision rounds, 1 to 4 (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64", description = "Longest response and revision (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--critique-max-tokens", paramLabel = "N", defaultValue = "64", description = "Longest critique (default ${DEFAULT-VALUE}).")
    int critiqueMaxTokens;

    @Mixin
    SamplingFlags sampling;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "With the prompt id, fixes the prompt's principles and samples (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--too-long", defaultValue = "fail", paramLabel = "fail|truncate",
            description = "A prompt (critique and revision prompts included) that leaves no room for the new tokens: fail "
                    + "(default), or keep its last tokens.")
    TooLongPolicy tooLong;

    @Option(names = "--bad-lines", defaultValue = "fail", paramLabel = "fail|skip",
            description = "Malformed input lines and duplicate ids (file:line reported): stop before writing anything (default), or skip them.")
    BadLinePolicy badLines;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @picocli.CommandLine.Mixin
    PromptFlags promptFlags;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        CritiqueConfig config = new CritiqueConfig(rounds, maxNewTokens, critiqueMaxTokens, seed);
        Constitution constitution = constitutionFile == null ? Constitution.defaults() : Constitution.load(constitutionFile);
        Path chainFile = chain != null ? chain : LabelCommand.sibling(out, ".chain.jsonl");
        if (chainFile.toAbsolutePath().equals(out.toAbsolutePath())) {
            throw new IllegalArgumentException("--chain: expected a file other than --out, found " + chainFile);
        }
        List<Line<ObjectNode>> lines = InputFiles.readUnique(prompts, o -> Prompt.fromJson(o, "prompt"),
                badLines, msg -> {
                    stderr.println("warning: skipped " + msg);
                    stderr.flush();
                });
        CausalLm lm = CausalLm.load(model);
        String modelName = "local:" + model;
        int written = 0;
        int blank = 0;
        boolean freshOut = !Files.exists(out);
        boolean freshChain = !Files.exists(chainFile);
        try (HfTokenizer tokenizer = HfTokenizer.load(model);
                AppendLog sft = AppendLog.open(out, "id");
                AppendLog chains = AppendLog.open(chainFile, "id")) {
            CritiqueLoop loop = new CritiqueLoop(new LmTextModel(lm, promptFlags.open(model, tokenizer, lm.config()), modelName,
                    sampling.temperature, sampling.topK, sampling.topP, tooLong),
                    constitution, config);
            Map<String, ObjectNode> pending = checkResumable(lines, chains, sft, modelName, constitution.sha256());
            long done = lines.stream().filter(l -> sft.contains(InputFiles.idOf(l))).count();
            try (Progress bar = Progress.start("critique", lines.size(), done, "prompts", quiet, System.err)) {
                for (Line<ObjectNode> l : lines) {
                    String id = InputFiles.idOf(l);
                    if (sft.contains(id)) {
                        continue;
                    }
                    ObjectNode record;
                    if (pending.containsKey(id)) { // chain written before a kill: its SFT record follows from it
                        record = sftRecord(id, Prompt.fromJson(l.value(), "prompt"), pending.get(id).get("final_response").asText());
                    } else {
                        CritiqueChain c = runLoop(loop, id, l);
                        chains.append(c.toJson(modelName, constitution.sha256(), seed));
                        record = sftRecord(id, Prompt.fromJson(l.value(), "prompt"), c.finalResponse());
                    }
                    blank += Prompt.response(record, "response", true).isBlank() ? 1 : 0;
                    sft.append(record);
                    written++;
                    bar.step();
                }
            }
        } catch (RuntimeException e) {
            LabelCommand.deleteIfEmpty(freshOut, out); // a run that fails at once leaves no empty outputs behind
            LabelCommand.deleteIfEmpty(freshChain, chainFile);
            throw e;
        }
        stdout.printf("wrote %d revised responses (%d prompts in all, %d round%s each) to %s; rounds in %s%n", written,
                lines.size(), rounds, rounds == 1 ? "" : "s", out, chainFile);
        if (blank > 0) {
            stderr.println("warning: " + blank + " final responses written this run are blank (the model stopped at once); "
                    + "sft rejects such lines unless run with --skip-bad-lines");
        }
        stdout.flush();
        stderr.flush();
        return 0;
    }

    /** An SFT line in the prompt's own format: a conversational prompt gets its response as an assistant message. */
    private static ObjectNode sftRecord(String id, Prompt prompt, String response) {
        ObjectNode o = Jsonl.mapper().createObjectNode().put("id", id);
        o.set("prompt", prompt.toJson());
        o.set("response", prompt.responseJson(response));
        return o;
    }

    private CritiqueChain runLoop(CritiqueLoop loop, String id, Line<ObjectNode> l) {
        try {
            // the critique and revision requests quote the prompt as text ("role: content" for a conversation)
            return loop.run(id, Prompt.fromJson(l.value(), "prompt").asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prompts + ":" + l.number() + ": prompt '" + id + "': " + e.getMessage(), e);
        }
    }

    /**
     * Existing outputs must come from this input, model, constitution and seed, or resuming would mix
     * chains; returns the chains whose SFT record is still missing, by id.
     */
    private Map<String, ObjectNode> checkResumable(List<Line<ObjectNode>> lines, AppendLog chains, AppendLog sft,
                                                   String modelName, String sha) {
        Set<String> ids = new HashSet<>();
        lines.forEach(l -> ids.add(InputFiles.idOf(l)));
        for (String k : sft.keys()) {
            if (!ids.contains(k)) {
                throw new IllegalArgumentException(out + ": holds prompt '" + k + "', which is not in " + prompts
                        + "; was it made from another input? Pick another --out");
            }
        }
        Map<String, ObjectNode> pending = new HashMap<>();
        for (ObjectNode c : AppendLog.readAll(chains.file())) {
            String id = c.get("id").asText();
            if (!ids.contains(id)) {
                throw new IllegalArgumentException(chains.file() + ": holds prompt '" + id + "', which is not in " + prompts
                        + "; pick another --out or --chain");
            }
            String found = c.path("model").asText() + ", constitution " + c.path("constitution_sha256").asText() + ", seed "
                    + c.path("seed").asText() + ", " + c.path("rounds").size() + " rounds";
            String now = modelName + ", constitution " + sha + ", seed " + seed + ", " + rounds + " rounds";
            if (!found.equals(now)) {
                throw new IllegalArgumentException(chains.file() + ": prompt '" + id + "' was made with " + found
                        + "; this run uses " + now + "; resuming would mix them. Pick another --out");
            }
            if (!sft.contains(id)) {
                pending.put(id, c);
            }
        }
        return pending;
    }
}
