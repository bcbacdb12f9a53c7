package org.rlaif4j.serve;

import java.time.Duration;

/**
 * Limits and batching of {@link CompletionServer}.
 *
 * @param modelName       the id served by {@code /v1/models}; a request naming another model gets 404
 * @param maxBatch        most sequences (prompts × n) run through the model together; also the most one request may ask for
 * @param batchWindow     how long the batcher waits for more requests after the first one arrives
 * @param maxQueued       most requests admitted (queued or running); more get 503 with Retry-After
 * @param maxBodyBytes    larger request bodies get 413
 * @param maxTokens       largest {@code max_tokens} accepted
 * @param maxLogprobs     largest {@code logprobs} accepted
 * @param requestTimeout  a request not answered within this gets 503
 * @param httpThreads     threads reading requests and writing answers
 */
public record ServeConfig(String modelName, int maxBatch, Duration batchWindow, int maxQueued, int maxBodyBytes,
                          int maxTokens, int maxLogprobs, Duration requestTimeout, int httpThreads) {
    public ServeConfig {
        if (modelName == null || modelName.isBlank()) {
            throw new IllegalArgumentException("served model name: expected a non-empty name, found '" + modelName + "'");
        }
        positive("max batch", maxBatch);
        positive("max queued requests", maxQueued);
        positive("max body bytes", maxBodyBytes);
        positive("max tokens", maxTokens);
        positive("http threads", httpThreads);
        if (maxLogprobs < 0) {
            throw new IllegalArgumentException("max logprobs: expected >= 0, found " + maxLogprobs);
        }
        if (batchWindow == null || batchWindow.isNegative()) {
            throw new IllegalArgumentException("batch window: expected a duration >= 0, found " + batchWindow);
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request timeout: expected a positive duration, found " + requestTimeout);
        }
    }

    private static void positive(String what, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(what + ": expected >= 1, found " + v);
        }
    }

    /** Batches of up to 16 sequences gathered for 5 ms, 64 requests admitted, 1 MiB bodies, 512 new tokens, 20 logprobs. */
    public static ServeConfig defaults(String modelName) {
        return new ServeConfig(modelName, 16, Duration.ofMillis(5), 64, 1 << 20, 512, 20, Duration.ofMinutes(10), 16);
    }

    public ServeConfig withMaxLogprobs(int n) {
        return new ServeConfig(modelName, maxBatch, batchWindow, maxQueued, maxBodyBytes, maxTokens, n, requestTimeout,
                httpThreads);
    }

    public ServeConfig withLimits(int batch, int queued, int bodyBytes) {
        return new ServeConfig(modelName, batch, batchWindow, queued, bodyBytes, maxTokens, maxLogprobs, requestTimeout,
                httpThreads);
    }

    public ServeConfig withBatchWindow(Duration window) {
        return new ServeConfig(modelName, maxBatch, window, maxQueued, maxBodyBytes, maxTokens, maxLogprobs,
                requestTimeout, httpThreads);
    }
}
