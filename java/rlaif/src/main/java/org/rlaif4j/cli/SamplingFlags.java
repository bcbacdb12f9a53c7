package org.rlaif4j.cli;

import picocli.CommandLine.Option;

/** The sampling options of the commands that sample responses from a model ({@code generate}, {@code critique}). */
final class SamplingFlags {
    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0", description = "Sampling temperature (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Keep the k most likely tokens, 0 = all (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0", description = "Nucleus sampling mass (default ${DEFAULT-VALUE}).")
    double topP;
}
