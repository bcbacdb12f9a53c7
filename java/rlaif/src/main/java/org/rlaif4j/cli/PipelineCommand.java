package org.rlaif4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlaif4j.pipeline.Commands;
import org.rlaif4j.pipeline.PipelinePlan;
import org.rlaif4j.pipeline.PipelineReport;
import org.rlaif4j.pipeline.PipelineRunner;
import org.rlaif4j.pipeline.Stage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rlaif4j pipeline CONFIG.json}: every stage in order, each in its folder of the run directory. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"Run the RLAIF stages a JSON config describes: [init] -> sft -> [critique -> sft on revisions] -> "
                + "[generate -> label -> train-rm] -> ppo (reward model or --direct-reward) -> [eval], each in "
                + "RUN_DIR/<stage>, then RUN_DIR/report.md.",
                "Rerun after a kill: finished stages are skipped, an interrupted one resumes. The config is checked "
                        + "whole first, every problem listed."})
public final class PipelineCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG.json", description = "Pipeline config (see examples/pipeline/pipeline.json).")
    Path config;

    @Option(names = "--dry-run", description = "Check the config and print the stage commands without running them.")
    boolean dryRun;

    @Option(names = "--quiet", description = "No progress bars in the stages.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Commands commands = new Commands() {
            @Override
            public CommandSpec spec(String... path) {
                CommandLine cl = spec.root().commandLine();
                for (String p : path) {
                    cl = cl.getSubcommands().get(p);
                }
                return cl.getCommandSpec();
            }

            @Override
            public int run(List<String> args) {
                CommandLine cl = Main.commandLine(); // a fresh parse tree: option fields of one stage never leak into the next
                cl.setOut(out);
                cl.setErr(err);
                return cl.execute(args.toArray(new String[0]));
            }
        };
        PipelinePlan plan = PipelinePlan.load(config, commands, quiet);
        if (dryRun) {
            for (Stage s : plan.stages()) {
                out.println(s.name() + " -> " + s.dir());
            }
            out.println("config OK: " + plan.stages().size() + " stages in " + plan.runDir());
            out.flush();
            return 0;
        }
        List<PipelineRunner.Outcome> outcomes = new PipelineRunner(commands, out).run(plan);
        Path report = PipelineReport.write(plan, outcomes);
        out.println("pipeline done: report " + report);
        out.flush();
        return 0;
    }
}
