package org.rlaif4j.cli;

import java.io.UncheckedIOException;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.dist.DistributedException;
import org.rlaif4j.feedback.LabelerServerException;
import org.rlaif4j.model.UnsupportedConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code rlaif4j} command line. */
@Command(name = "rlaif4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "RLAIF on the JVM: AI feedback, reward models and PPO over native kernels.",
        subcommands = {KernelsCommand.class, ForwardCommand.class, GenerateCommand.class, LabelCommand.class,
                TrainRmCommand.class, EvalCommand.class, SftCommand.class, CritiqueCommand.class, PpoCommand.class,
                PipelineCommand.class, ServeCommand.class, LaunchCommand.class, DemoCommand.class, TemplateCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Builds the command line; tests run it with their own writers. Enum options are case-insensitive
     * ({@code --bad-lines skip}); bad input, unreadable files and failing servers end the command
     * with a one-line message on stderr and exit code 1 instead of a stack trace.
     */
    public static CommandLine commandLine() {
        CommandLine root = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cl, parsed) -> {
                    if (!isUserError(e)) {
                        throw e;
                    }
                    cl.getErr().println("rlaif4j " + cl.getCommandName() + ": " + e.getMessage());
                    cl.getErr().flush();
                    return 1;
                });
        // `launch -n 2 train-rm --model ...`: everything after the worker's command name belongs to it
        root.getSubcommands().get("launch").setStopAtPositional(true).setUnmatchedOptionsArePositionalParams(true);
        return root;
    }

    private static boolean isUserError(Exception e) {
        return e instanceof IllegalArgumentException || e instanceof DataFormatException
                || e instanceof UncheckedIOException || e instanceof LabelerServerException
                || e instanceof UnsupportedConfigException || e instanceof DistributedException;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
