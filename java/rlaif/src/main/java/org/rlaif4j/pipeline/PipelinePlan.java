package org.rlaif4j.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.rl.PpoCheckpoint;
import org.rlaif4j.train.CheckpointDirs;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The stages a pipeline config describes, in order, each in its own folder of {@code run_dir}:
 * {@code init} (optional: a random model) → {@code sft} → ({@code critique} → {@code critique-sft}) →
 * {@code generate} → {@code label} → {@code train-rm} → {@code ppo} → {@code eval}. A stage section
 * holds the options of its command (see {@link StageOptions}); the pipeline sets the inputs and
 * outputs that connect the stages. Two values stand for models made during the run:
 * {@code "@base"} (the starting model) and {@code "@policy"} (the SFT policy PPO starts from), e.g.
 * as the labeler. Relative paths resolve against the config file's folder.
 */
public record PipelinePlan(Path configFile, Path runDir, List<Stage> stages, Path sftPolicy, Path ppoDir, Path evalDir) {
    static final Set<String> TOP = Set.of("run_dir", "seed", "base_model", "init", "sft", "critique", "generate", "label",
            "train_rm", "ppo", "eval");
    static final Set<String> INIT = Set.of("config", "alphabet", "seed");
    static final Set<String> EVAL = Set.of("prompts", "max_new_tokens", "win_rate", "harmless");
    static final String BASE = "@base";
    static final String POLICY = "@policy";

    /** Reads and checks the config; every problem is listed in one {@link PipelineConfigException}. */
    public static PipelinePlan load(Path configFile, Commands commands, boolean quiet) {
        ObjectNode root = read(configFile);
        Path baseDir = configFile.toAbsolutePath().getParent();
        List<String> errors = new ArrayList<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!TOP.contains(k)) {
                errors.add(k + ": unknown key (expected one of " + new java.util.TreeSet<>(TOP) + ")");
            }
        }
        String runDirText = text(root, "run_dir", errors);
        Path runDir = runDirText == null ? baseDir.resolve("run") : baseDir.resolve(runDirText).normalize();
        Long seed = null;
        if (root.has("seed")) {
            if (root.get("seed").isIntegralNumber()) {
                seed = root.get("seed").asLong();
            } else {
                errors.add("seed: expected an integer, found " + root.get("seed"));
            }
        }
        Builder b = new Builder(commands, baseDir, runDir, seed, quiet, errors);
        List<Stage> stages = new ArrayList<>();

        Path base;
        if (root.has("init") == root.has("base_model")) {
            errors.add("base_model, init: expected exactly one (a model folder, or a random model to build), found "
                    + (root.has("init") ? "both" : "neither"));
            base = runDir.resolve("init").resolve("model");
        } else if (root.has("init")) {
            ObjectNode init = b.section(root, "init", true);
            Path model = runDir.resolve("init").resolve("model");
            base = model;
            RandomInit ri = RandomInit.fromConfig(init, baseDir, errors);
            if (ri != null) {
                stages.add(new Stage("init", runDir.resolve("init"), false, ri.fingerprint(), r -> ri.write(model)));
            }
        } else {
            base = b.path("base_model", root.get("base_model"), errors);
            if (base == null) {
                base = runDir.resolve("base-model-missing"); // reported; lets the other sections be checked too
            } else if (!Files.isRegularFile(base.resolve("config.json"))) {
                errors.add("base_model: expected a model folder with config.json, found " + base);
            }
        }
        b.base = base;
        Path sftDir = runDir.resolve("sft");
        b.policy = sftDir.resolve("final");
        ObjectNode sft = b.section(root, "sft", true);
        // sft stages pass --resume: a killed one continues from its last save_every checkpoint (from the start without one)
        stages.add(b.cli("sft", sftDir, true, sft, Set.of("model", "out", "resume"), Set.of(), List.of("sft"),
                List.of("--model", base.toString(), "--out", sftDir.toString(), "--resume")));

        if (root.has("critique")) {
            ObjectNode c = b.section(root, "critique", false);
            Path cDir = runDir.resolve("critique");
            Path revisions = cDir.resolve("sft.jsonl");
            stages.add(b.cli("critique", cDir, true, c, Set.of("model", "out", "chain"), Set.of("sft"),
                    List.of("critique"), List.of("--model", b.policy.toString(), "--out", revisions.toString())));
            ObjectNode again = c.has("sft") && c.get("sft").isObject() ? (ObjectNode) c.get("sft") : sft.deepCopy().without("data");
            if (c.has("sft") && !c.get("sft").isObject()) {
                errors.add("critique.sft: expected an object of sft options, found " + c.get("sft"));
            }
            Path csDir = runDir.resolve("critique-sft");
            stages.add(b.cli("critique-sft", csDir, true, again, Set.of("model", "data", "out", "resume"), Set.of(),
                    List.of("sft"), List.of("--model", b.policy.toString(), "--data", revisions.toString(), "--out",
                            csDir.toString(), "--resume")));
            b.policy = csDir.resolve("final");
        }
        Path sftPolicy = b.policy;

        Path pairs = runDir.resolve("generate").resolve("pairs.jsonl");
        Path prefs = runDir.resolve("label").resolve("prefs.jsonl");
        Path rmDir = runDir.resolve("train-rm");
        if (root.has("generate")) {
            stages.add(b.cli("generate", pairs.getParent(), true, b.section(root, "generate", false), Set.of("policy", "out"),
                    Set.of(), List.of("generate"), List.of("--policy", sftPolicy.toString(), "--out", pairs.toString())));
        }
        if (root.has("label")) {
            if (!root.has("generate")) {
                errors.add("label: expected a generate section to make its pairs, found none");
            }
            stages.add(b.cli("label", prefs.getParent(), true, b.section(root, "label", false), Set.of("pairs", "out"),
                    Set.of(), List.of("label"), List.of("--pairs", pairs.toString(), "--out", prefs.toString())));
        }
        if (root.has("train_rm")) {
            if (!root.has("label")) {
                errors.add("train_rm: expected a label section to make its preferences, found none");
            }
            ObjectNode rm = b.section(root, "train_rm", false);
            checkSameTokenizer(b, rm);
            List<String> fixed = new ArrayList<>(List.of("--data", prefs.toString(), "--out", rmDir.toString()));
            if (!rm.has("model")) {
                fixed.addAll(List.of("--model", sftPolicy.toString()));
            }
            stages.add(b.cli("train-rm", rmDir, true, rm, Set.of("data", "out"), Set.of(), List.of("train-rm"), fixed));
        }

        ObjectNode ppo = b.section(root, "ppo", true);
        Path ppoDir = runDir.resolve("ppo");
        boolean direct = ppo.path("direct_reward").asBoolean(false);
        List<String> ppoFixed = new ArrayList<>(List.of("--policy", sftPolicy.toString(), "--out", ppoDir.toString(),
                "--resume"));
        if (!direct) {
            if (!root.has("train_rm")) {
                errors.add("ppo: expected a train_rm section for the reward model, or \"direct_reward\": true with a "
                        + "labeler, found neither");
            }
            ppoFixed.addAll(List.of("--reward-model", rmDir.resolve("model").toString()));
        }
        stages.add(b.cli("ppo", ppoDir, true, ppo, Set.of("policy", "out", "resume", "reward-model"), Set.of(),
                List.of("ppo"), ppoFixed));

        Path evalDir = runDir.resolve("eval");
        if (root.has("eval")) {
            stages.add(evalStage(b, b.section(root, "eval", false), sftPolicy, ppoDir, evalDir));
        }
        if (!errors.isEmpty()) {
            throw new PipelineConfigException(configFile, errors);
        }
        return new PipelinePlan(configFile, runDir, List.copyOf(stages), sftPolicy, ppoDir, evalDir);
    }

    /** Greedy responses of the SFT and the RLAIF policy, the win rate of RLAIF over SFT, and optionally both harmless rates. */
    private static Stage evalStage(Builder b, ObjectNode eval, Path sftPolicy, Path ppoDir, Path evalDir) {
        for (Iterator<String> it = eval.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!EVAL.contains(k)) {
                b.errors.add("eval." + k + ": unknown key (expected one of " + new java.util.TreeSet<>(EVAL) + ")");
            }
        }
        Path prompts = b.path("eval.prompts", eval.get("prompts"), b.errors);
        int maxNew = 32;
        if (eval.has("max_new_tokens")) {
            if (eval.get("max_new_tokens").isIntegralNumber() && eval.get("max_new_tokens").asInt() >= 1) {
                maxNew = eval.get("max_new_tokens").asInt();
            } else {
                b.errors.add("eval.max_new_tokens: expected an integer >= 1, found " + eval.get("max_new_tokens"));
            }
        }
        Path sftResponses = evalDir.resolve("sft.jsonl");
        Path rlaifResponses = evalDir.resolve("rlaif.jsonl");
        ObjectNode winRate = b.subsection(eval, "eval.win_rate", "win_rate", true);
        List<String> win = new ArrayList<>(List.of("eval", "win-rate", "--x", rlaifResponses.toString(), "--y",
                sftResponses.toString(), "--out", evalDir.toString()));
        win.addAll(StageOptions.toArgs("eval.win_rate", winRate, b.commands.spec("eval", "win-rate"),
                Set.of("x", "y", "pairs", "out"), Set.of(), b.models(), b.baseDir, b.errors));
        List<List<String>> harmless = new ArrayList<>();
        if (eval.has("harmless")) {
            ObjectNode h = b.subsection(eval, "eval.harmless", "harmless", true);
            List<String> opts = StageOptions.toArgs("eval.harmless", h, b.commands.spec("eval", "harmless"),
                    Set.of("responses", "out"), Set.of(), b.models(), b.baseDir, b.errors);
            for (String who : List.of("sft", "rlaif")) {
                List<String> a = new ArrayList<>(List.of("eval", "harmless", "--responses",
                        evalDir.resolve(who + ".jsonl").toString(), "--out", evalDir.resolve("harmless-" + who).toString()));
                a.addAll(opts);
                harmless.add(a);
            }
        }
        int maxNewTokens = maxNew;
        String fingerprint = String.join("\u0000", win) + "\u0000" + harmless + "\u0000" + prompts + "\u0000" + maxNew;
        return new Stage("eval", evalDir, false, fingerprint, r -> {
            Path rlaifPolicy = CheckpointDirs.latest(ppoDir.resolve("checkpoints"))
                    .orElseThrow(() -> new IllegalStateException("eval: expected a PPO checkpoint in " + ppoDir
                            + "/checkpoints, found none"))
                    .resolve(PpoCheckpoint.POLICY);
            int blank = PolicyResponses.write(rlaifPolicy, sftPolicy, prompts, maxNewTokens, rlaifResponses, sftResponses);
            AtomicFiles.writeString(evalDir.resolve("blank_prompts.txt"), blank + "\n");
            r.cli(win);
            harmless.forEach(r::cli);
        });
    }

    /**
     * A reward model from another checkpoint must read the policy's token ids unchanged (ppo refuses
     * it otherwise): caught here, before hours of earlier stages. The SFT policy keeps the base model's
     * tokenizer, so the base model's is compared; a random init's does not exist yet and is skipped.
     */
    private static void checkSameTokenizer(Builder b, ObjectNode rm) {
        JsonNode m = rm.get("model");
        if (m == null || !m.isTextual() || m.asText().startsWith("@") || !Files.isRegularFile(b.base.resolve("tokenizer.json"))) {
            return;
        }
        Path a = b.base.resolve("tokenizer.json");
        Path c = b.baseDir.resolve(m.asText()).normalize().resolve("tokenizer.json");
        try {
            if (Files.isRegularFile(c) && Files.mismatch(a, c) != -1) {
                b.errors.add("train_rm.model: expected the policy's tokenizer (" + a + "), found a different " + c
                        + "; ppo scores the policy's token ids with the reward model unchanged");
            }
        } catch (IOException e) {
            b.errors.add("train_rm.model: cannot compare " + a + " and " + c + " (" + e.getMessage() + ")");
        }
    }

    private static ObjectNode read(Path file) {
        try {
            JsonNode n = Jsonl.mapper().readTree(Files.readString(file));
            if (!(n instanceof ObjectNode o)) {
                throw new PipelineConfigException(file, List.of("expected a JSON object, found " + n.getNodeType()));
            }
            return o;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such pipeline config");
        } catch (JsonProcessingException e) {
            throw new PipelineConfigException(file, List.of("not valid JSON (" + e.getOriginalMessage() + ")"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String text(ObjectNode o, String key, List<String> errors) {
        JsonNode v = o.get(key);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            errors.add(key + ": expected a non-empty string, found " + (v == null ? "nothing" : v));
            return null;
        }
        return v.asText();
    }

    /** Shared state while the stages are laid out. */
    private static final class Builder {
        final Commands commands;
        final Path baseDir;
        final Path runDir;
        final Long seed;
        final boolean quiet;
        final List<String> errors;
        Path base;
        Path policy;

        Builder(Commands commands, Path baseDir, Path runDir, Long seed, boolean quiet, List<String> errors) {
            this.commands = commands;
            this.baseDir = baseDir;
            this.runDir = runDir;
            this.seed = seed;
            this.quiet = quiet;
            this.errors = errors;
        }

        ObjectNode section(ObjectNode root, String key, boolean required) {
            return subsection(root, key, key, required);
        }

        ObjectNode subsection(ObjectNode parent, String where, String key, boolean required) {
            JsonNode v = parent.get(key);
            if (v == null) {
                if (required) {
                    errors.add(where + ": expected a section, found none");
                }
                return Jsonl.mapper().createObjectNode();
            }
            if (!v.isObject()) {
                errors.add(where + ": expected an object, found " + v.getNodeType());
                return Jsonl.mapper().createObjectNode();
            }
            return (ObjectNode) v;
        }

        Path path(String where, JsonNode v, List<String> errors) {
            if (v == null || !v.isTextual()) {
                errors.add(where + ": expected a path, found " + (v == null ? "nothing" : v));
                return null;
            }
            Path p = baseDir.resolve(v.asText()).normalize();
            if (!Files.exists(p)) {
                errors.add(where + ": missing file " + p);
                return null;
            }
            return p;
        }

        /** A stage that runs one command: the pipeline's fixed arguments, then the section's options. */
        Stage cli(String name, Path dir, boolean resumable, ObjectNode section, Set<String> reserved, Set<String> skip,
                  List<String> command, List<String> fixed) {
            CommandSpec spec = commands.spec(command.toArray(new String[0]));
            List<String> args = new ArrayList<>(command);
            args.addAll(fixed);
            Set<String> setHere = new java.util.HashSet<>(reserved);
            for (int i = 0; i < fixed.size(); i++) {
                if (fixed.get(i).startsWith("--")) {
                    setHere.add(fixed.get(i).substring(2));
                }
            }
            args.addAll(StageOptions.toArgs(name, section, spec, setHere, skip, models(), baseDir, errors));
            if (seed != null && !section.has("seed") && spec.findOption("--seed") != null) {
                args.addAll(List.of("--seed", Long.toString(seed)));
            }
            if (quiet && spec.findOption("--quiet") != null && !section.has("quiet")) {
                args.add("--quiet");
            }
            return new Stage(name, dir, resumable, String.join("\u0000", args), r -> r.cli(args));
        }

        /** What {@code "@base"} and {@code "@policy"} stand for at this point of the run. */
        java.util.Map<String, Path> models() {
            return java.util.Map.of(BASE, base, POLICY, policy);
        }
    }
}
