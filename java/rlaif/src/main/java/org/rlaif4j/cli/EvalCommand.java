package org.rlaif4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.eval.Alignment;
import org.rlaif4j.eval.EvalReport;
import org.rlaif4j.eval.EvalResult;
import org.rlaif4j.eval.HarmlessRate;
import org.rlaif4j.eval.LabelerJudge;
import org.rlaif4j.eval.LabeledPair;
import org.rlaif4j.eval.PolicyResponse;
import org.rlaif4j.eval.PreferenceJudge;
import org.rlaif4j.eval.RewardModelJudge;
import org.rlaif4j.eval.RuleJudge;
import org.rlaif4j.eval.WinRate;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.feedback.Labeler;
import org.rlaif4j.feedback.LabelerOptions;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.model.tokenizer.HfTokenizer;
import org.rlaif4j.model.tokenizer.Tokenizer;
import org.rlaif4j.reward.PairEncoder;
import org.rlaif4j.reward.RewardScorer;
import org.rlaif4j.reward.TruncationPolicy;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rlaif4j eval}: labeler alignment, win rate and harmless rate, as JSON and a markdown table. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "RLAIF evaluation metrics with 95%% Wilson intervals. Each writes OUT/<metric>.json and "
                + "OUT/<metric>.md (atomically, after all inputs are read and judged) and prints the table.",
        subcommands = {EvalCommand.AlignmentCommand.class, EvalCommand.WinRateCommand.class,
            EvalCommand.HarmlessCommand.class})
public final class EvalCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "eval: expected a metric: alignment, win-rate or harmless");
    }

    /** Options every metric has. */
    static final class Common {
        @Option(names = "--out", required = true, description = "Folder for <metric>.json and <metric>.md.")
        Path out;

        @Option(names = "--bad-lines", defaultValue = "fail",
                description = "Malformed lines, missing fields, empty responses: 'fail' stops, 'skip' reports file:line and goes on. "
                        + "Default: ${DEFAULT-VALUE}.")
        String badLines;

        BadLinePolicy policy() {
            return Options.enumOf("--bad-lines", badLines, BadLinePolicy.class);
        }
    }

    /** Reads inputs, counting and reporting skipped lines. */
    static final class Warnings {
        final PrintWriter err;
        int count;

        Warnings(PrintWriter err) {
            this.err = err;
        }

        void accept(String message) {
            count++;
            err.println("warning: " + message);
            err.flush();
        }
    }

    static int finish(CommandSpec spec, Path out, EvalResult result) {
        List<Path> files = EvalReport.write(out, result);
        PrintWriter w = spec.commandLine().getOut();
        w.print(result.toMarkdown());
        w.println();
        w.println("wrote " + files.get(0) + " and " + files.get(1));
        w.flush();
        return 0;
    }

    @Command(name = "alignment", mixinStandardHelpOptions = true,
            description = "AI-labeler alignment: share of pairs where the AI's p_a > 0.5 agrees with the human label. "
                    + "Records match by id (when all have one), else by prompt and responses; AI ties (p_a = 0.5) are "
                    + "reported separately.")
    static final class AlignmentCommand implements Callable<Integer> {
        @Option(names = "--ai", required = true, description = "AI-labeled preferences JSONL.")
        Path ai;

        @Option(names = "--human", required = true, description = "Human-labeled preferences JSONL (soft p_a or TRL chosen/rejected).")
        Path human;

        @Option(names = "--allow-unmatched", description = "Count AI records without a human label instead of failing.")
        boolean allowUnmatched;

        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Warnings warn = new Warnings(spec.commandLine().getErr());
            List<LabeledPair> a = LabeledPair.read(ai, common.policy(), warn::accept);
            List<LabeledPair> h = LabeledPair.read(human, common.policy(), warn::accept);
            return finish(spec, common.out, Alignment.compute(ai.toString(), a, human.toString(), h, allowUnmatched,
                    warn.count));
        }
    }

    /** Where the two policies' responses come from. */
    static final class Responses {
        @ArgGroup(exclusive = false)
        TwoFiles files;

        @Option(names = "--pairs", description = "Pairs JSONL with prompt, response_a (policy X) and response_b (policy Y).")
        Path pairs;

        static final class TwoFiles {
            @Option(names = "--x", required = true, description = "Policy X responses JSONL: {\"id\"?, \"prompt\", \"response\"}.")
            Path x;

            @Option(names = "--y", required = true, description = "Policy Y responses JSONL, same prompts.")
            Path y;
        }
    }

    /** Which judge compares responses. */
    static final class JudgeChoice {
        @Option(names = "--judge-rules", description = "Rule-based judge: a JSON rules file (keyword/regex weights).")
        Path rules;

        @Option(names = "--judge-rm", description = "Reward-model judge: P(x) = σ(r_x - r_y) with this checkpoint.")
        Path rewardModel;

        @Option(names = "--judge-labeler", paramLabel = "DIR", description = "AI-labeler judge on a local checkpoint: its soft "
                + "preference (both orders averaged).")
        Path labelerDir;

        @Option(names = "--judge-server", paramLabel = "URL", description = "AI-labeler judge on an OpenAI-compatible server "
                + "(with --judge-model).")
        URI server;
    }

    /** Settings of an AI-labeler judge, used with --judge-labeler or --judge-server. */
    static final class LabelerJudgeOptions {
        @Option(names = "--judge-model", paramLabel = "NAME", description = "Model name sent to --judge-server.")
        String model;

        @Option(names = "--judge-api-key-env", paramLabel = "VAR", description = "Environment variable holding --judge-server's API key.")
        String apiKeyEnv;

        @Option(names = "--judge-constitution", paramLabel = "FILE", description = "Constitution of the AI-labeler judge "
                + "(win-rate default: the built-in labeling one; harmless default: a built-in harmlessness one).")
        Path constitution;

        /** The judge's labeler, its options checked. */
        LabelerSource source(Path dir, URI server) {
            LabelerSource src = new LabelerSource(dir, server, model, apiKeyEnv, constitution);
            src.validate(LabelerSource.Names.JUDGE);
            return src;
        }

        /** Options that only a labeler judge reads, refused with another judge so they are not silently ignored. */
        void refuseWithout(boolean labelerJudge) {
            if (!labelerJudge && (model != null || apiKeyEnv != null || constitution != null)) {
                throw new IllegalArgumentException("--judge-model, --judge-api-key-env and --judge-constitution: expected "
                        + "only with --judge-labeler or --judge-server");
            }
        }
    }

    /** The built-in harmlessness constitution: one principle, direct scoring read as P(harmless). */
    static Constitution harmlessConstitution() {
        try (var in = EvalCommand.class.getResourceAsStream("/org/rlaif4j/eval/harmless-constitution.json")) {
            if (in == null) {
                throw new IllegalStateException("resource harmless-constitution.json is missing from the jar");
            }
            return Constitution.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "harmless-constitution.json");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read harmless-constitution.json", e);
        }
    }

    @Command(name = "win-rate", mixinStandardHelpOptions = true,
            description = "Win rate of policy X over policy Y as judged; a tie (P = 0.5, or within --tie-margin) counts as "
                    + "half a win, and the rate with ties left out is reported too.")
    static final class WinRateCommand implements Callable<Integer> {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Responses responses;

        @ArgGroup(exclusive = true, multiplicity = "1")
        JudgeChoice judge;

        @Option(names = "--tie-margin", defaultValue = "0", description = "|P - 0.5| <= margin is a tie. Default: ${DEFAULT-VALUE}.")
        double tieMargin;

        @Option(names = "--both-orders", description = "Also judge (y, x) and average, cancelling the judge's position bias.")
        boolean bothOrders;

        @Option(names = "--max-length", defaultValue = "0", description = "Reward-model judge: longest prompt + response (0: the model's context).")
        int maxLength;

        @Option(names = "--truncation", defaultValue = "fail", description = "Reward-model judge: 'fail' or 'left' for over-long inputs. Default: ${DEFAULT-VALUE}.")
        String truncation;

        @Option(names = "--batch-size", defaultValue = "16", description = "Reward-model judge: sequences per forward pass. Default: ${DEFAULT-VALUE}.")
        int batchSize;

        @Mixin
        LabelerJudgeOptions labelerJudge;

        @Mixin
        PromptFlags promptFlags;

        @Mixin
        DtypeFlag dtypeFlag;

        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Warnings warn = new Warnings(spec.commandLine().getErr());
            List<PreferenceJudge.Comparison> comparisons;
            String xName;
            String yName;
            if (responses.pairs != null) {
                comparisons = WinRate.readPairs(responses.pairs, common.policy(), warn::accept);
                xName = responses.pairs + " (response_a)";
                yName = responses.pairs + " (response_b)";
            } else {
                comparisons = WinRate.match(PolicyResponse.read(responses.files.x, common.policy(), warn::accept),
                        PolicyResponse.read(responses.files.y, common.policy(), warn::accept));
                xName = responses.files.x.toString();
                yName = responses.files.y.toString();
            }
            boolean byLabeler = judge.labelerDir != null || judge.server != null;
            labelerJudge.refuseWithout(byLabeler);
            if (judge.rules != null) {
                return finish(spec, common.out, WinRate.compute(RuleJudge.load(judge.rules), comparisons, xName, yName,
                        tieMargin, bothOrders, warn.count));
            }
            if (byLabeler) {
                LabelerSource src = labelerJudge.source(judge.labelerDir, judge.server).withDtype(dtypeFlag.dtype);
                try (Labeler labeler = src.open(LabelerOptions.defaults())) {
                    return finish(spec, common.out, WinRate.compute(new LabelerJudge(labeler), comparisons, xName, yName,
                            tieMargin, bothOrders, warn.count));
                }
            }
            TruncationPolicy policy = Options.enumOf("--truncation", truncation, TruncationPolicy.class);
            ScalarHeadModel rm = ScalarHeadModel.load(judge.rewardModel, dtypeFlag.of(judge.rewardModel));
            int len = maxLength == 0 ? rm.config().maxPositions() : maxLength;
            try (Tokenizer tok = HfTokenizer.load(judge.rewardModel)) {
                RewardModelJudge j = new RewardModelJudge("reward-model:" + judge.rewardModel,
                        new RewardScorer(rm, new PairEncoder(promptFlags.open(judge.rewardModel, tok, rm.config()), len, policy)),
                        batchSize);
                return finish(spec, common.out, WinRate.compute(j, comparisons, xName, yName, tieMargin, bothOrders,
                        warn.count));
            }
        }

    }

    /** Which judge decides harmlessness. */
    static final class HarmlessJudgeChoice {
        @Option(names = "--judge-rules", description = "Rule-based judge: rules marked \"harmful\" decide.")
        Path rules;

        @Option(names = "--judge-labeler", paramLabel = "DIR", description = "AI-labeler judge on a local checkpoint: its "
                + "direct 1-10 harmlessness score, scaled to [0, 1].")
        Path labelerDir;

        @Option(names = "--judge-server", paramLabel = "URL", description = "AI-labeler judge on an OpenAI-compatible server "
                + "(with --judge-model).")
        URI server;
    }

    @Command(name = "harmless", mixinStandardHelpOptions = true,
            description = "Harmless rate: share of responses the judge finds harmless (P > 0.5); P = 0.5 is reported as "
                    + "undecided and counted as not harmless.")
    static final class HarmlessCommand implements Callable<Integer> {
        @Option(names = "--responses", required = true, description = "Responses JSONL: {\"id\"?, \"prompt\", \"response\"}.")
        Path responses;

        @ArgGroup(exclusive = true, multiplicity = "1")
        HarmlessJudgeChoice judge;

        @Mixin
        LabelerJudgeOptions labelerJudge;

        @Mixin
        DtypeFlag dtypeFlag;

        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Warnings warn = new Warnings(spec.commandLine().getErr());
            List<PolicyResponse> rs = PolicyResponse.read(responses, common.policy(), warn::accept);
            boolean byLabeler = judge.labelerDir != null || judge.server != null;
            labelerJudge.refuseWithout(byLabeler);
            if (!byLabeler) {
                return finish(spec, common.out, HarmlessRate.compute(RuleJudge.load(judge.rules), rs,
                        responses.toString(), warn.count));
            }
            LabelerSource src = labelerJudge.source(judge.labelerDir, judge.server).withDtype(dtypeFlag.dtype);
            Constitution c = labelerJudge.constitution != null ? src.loadConstitution() : harmlessConstitution();
            try (Labeler labeler = src.open(c, LabelerOptions.defaults())) {
                return finish(spec, common.out, HarmlessRate.compute(new LabelerJudge(labeler), rs,
                        responses.toString(), warn.count));
            }
        }
    }
}
