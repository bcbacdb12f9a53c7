package org.rlaif4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code rlaif4j} command line. */
@Command(name = "rlaif4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "RLAIF on the JVM: AI feedback, reward models and PPO over native kernels.",
        subcommands = {KernelsCommand.class, ForwardCommand.class, SftCommand.class, PpoCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line; tests run it with their own writers. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
