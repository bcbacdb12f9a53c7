package org.rlaif4j.cli;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.tokenizer.HfTokenizer;
import org.rlaif4j.serve.CompletionServer;
import org.rlaif4j.serve.ServeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rlaif4j serve CHECKPOINT}: an OpenAI-compatible completions server for a local checkpoint. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a causal-LM checkpoint over HTTP with the OpenAI-compatible POST /v1/completions "
                + "(prompt, max_tokens, temperature, top_p, top_k, stop, echo, logprobs, seed, n) and GET /v1/models; "
                + "concurrent requests are batched. Runs until stopped (Ctrl-C).")
public final class ServeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "Checkpoint folder (config.json, safetensors, tokenizer.json).")
    Path checkpoint;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (0.0.0.0 for every interface; default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "Port (0 = any free port; default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--model-name", description = "Model id clients send as \"model\" (default: the checkpoint folder's name).")
    String modelName;

    @Option(names = "--max-batch", defaultValue = "16", description = "Most sequences per model call, and per request (prompts × n) (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--batch-window-ms", defaultValue = "5", description = "How long to gather concurrent requests into one batch (default: ${DEFAULT-VALUE}).")
    long batchWindowMs;

    @Option(names = "--max-queued", defaultValue = "64", description = "Requests admitted at once; more get HTTP 503 with Retry-After (default: ${DEFAULT-VALUE}).")
    int maxQueued;

    @Option(names = "--max-body-bytes", defaultValue = "1048576", description = "Larger request bodies get HTTP 413 (default: ${DEFAULT-VALUE}).")
    int maxBodyBytes;

    @Option(names = "--max-tokens", defaultValue = "512", description = "Largest max_tokens accepted (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--max-logprobs", defaultValue = "20", description = "Largest logprobs accepted (default: ${DEFAULT-VALUE}).")
    int maxLogprobs;

    @Option(names = "--request-timeout-s", defaultValue = "600", description = "A request unanswered this long gets HTTP 503 (default: ${DEFAULT-VALUE}).")
    long requestTimeoutS;

    @picocli.CommandLine.Mixin
    PromptFlags promptFlags;

    @picocli.CommandLine.Mixin
    DtypeFlag dtypeFlag;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String name = modelName != null ? modelName : checkpoint.toAbsolutePath().normalize().getFileName().toString();
        ServeConfig cfg = new ServeConfig(name, maxBatch, Duration.ofMillis(batchWindowMs), maxQueued, maxBodyBytes,
                maxTokens, maxLogprobs, Duration.ofSeconds(requestTimeoutS), Math.max(4, maxQueued));
        CausalLm lm = CausalLm.load(checkpoint, dtypeFlag.of(checkpoint));
        HfTokenizer tok = HfTokenizer.load(checkpoint);
        CompletionServer server = new CompletionServer(lm, promptFlags.open(checkpoint, tok, lm.config()), cfg,
                new InetSocketAddress(host, port));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "serve-shutdown"));
        out.printf("serving '%s' on http://%s:%d/v1 (POST /v1/completions, POST /v1/chat/completions, GET /v1/models)%n", name, host, server.port());
        out.flush();
        stopped.await();
        return 0;
    }
}
