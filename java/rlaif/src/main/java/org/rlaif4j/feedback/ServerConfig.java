package org.rlaif4j.feedback;

import java.net.URI;
import java.time.Duration;

/**
 * Where and how {@link OpenAiCompatibleLabeler} reaches an inference server.
 *
 * @param baseUrl        the server root, with or without a trailing {@code /v1} (e.g. {@code http://localhost:8000})
 * @param model          the {@code model} field of each request
 * @param apiKeyEnv      name of the environment variable holding the API key (sent as a bearer token), or null
 * @param timeout        per request, connection included
 * @param maxRetries     retries after the first try, on 429, 5xx, timeouts, refused connections and unparsable bodies
 * @param initialBackoff the first wait; it doubles after each retry up to {@code maxBackoff} (a 429's Retry-After wins when longer)
 * @param concurrency    most requests in flight at once
 * @param topLogprobs    the {@code logprobs} asked for: how many most likely next tokens the server reports
 * @param api            the endpoint spoken: text completions or chat completions
 */
public record ServerConfig(URI baseUrl, String model, String apiKeyEnv, Duration timeout, int maxRetries,
                           Duration initialBackoff, Duration maxBackoff, int concurrency, int topLogprobs,
                           ServerApi api) {
    public ServerConfig {
        if (baseUrl == null || baseUrl.getScheme() == null
                || !(baseUrl.getScheme().equals("http") || baseUrl.getScheme().equals("https"))) {
            throw new IllegalArgumentException("server URL: expected http://host:port or https://..., found " + baseUrl);
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("server model: expected a model name, found " + model);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("server timeout: expected a positive duration, found " + timeout);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("server retries: expected >= 0, found " + maxRetries);
        }
        if (initialBackoff == null || initialBackoff.isNegative() || maxBackoff == null
                || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("server backoff: expected 0 <= initial <= max, found " + initialBackoff
                    + " and " + maxBackoff);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("server concurrency: expected >= 1, found " + concurrency);
        }
        if (topLogprobs < 2) {
            throw new IllegalArgumentException("server top logprobs: expected >= 2, found " + topLogprobs);
        }
        if (api == null) {
            throw new IllegalArgumentException("server api: expected completions or chat, found null");
        }
    }

    /**
     * 60 s timeout, 5 retries from 0.5 s up to 30 s, 8 requests in flight, top 20 log-probs (vLLM's
     * maximum by default), the completions API.
     */
    public static ServerConfig of(URI baseUrl, String model, String apiKeyEnv) {
        return new ServerConfig(baseUrl, model, apiKeyEnv, Duration.ofSeconds(60), 5, Duration.ofMillis(500),
                Duration.ofSeconds(30), 8, 20, ServerApi.COMPLETIONS);
    }

    /** The completions endpoint: {@code baseUrl + /v1/completions} ({@code /completions} when it already ends in /v1). */
    public URI completionsUri() {
        return v1("completions");
    }

    /** The chat endpoint: {@code baseUrl + /v1/chat/completions} ({@code /chat/completions} when it already ends in /v1). */
    public URI chatCompletionsUri() {
        return v1("chat/completions");
    }

    /** The endpoint of {@link #api()}. */
    public URI endpointUri() {
        return api == ServerApi.CHAT ? chatCompletionsUri() : completionsUri();
    }

    private URI v1(String path) {
        String s = baseUrl.toString().replaceAll("/+$", "");
        return URI.create(s.endsWith("/v1") ? s + "/" + path : s + "/v1/" + path);
    }

    public ServerConfig withTimeout(Duration t) {
        return new ServerConfig(baseUrl, model, apiKeyEnv, t, maxRetries, initialBackoff, maxBackoff, concurrency,
                topLogprobs, api);
    }

    public ServerConfig withRetries(int retries, Duration initial, Duration max) {
        return new ServerConfig(baseUrl, model, apiKeyEnv, timeout, retries, initial, max, concurrency, topLogprobs,
                api);
    }

    public ServerConfig withConcurrency(int n) {
        return new ServerConfig(baseUrl, model, apiKeyEnv, timeout, maxRetries, initialBackoff, maxBackoff, n,
                topLogprobs, api);
    }

    public ServerConfig withTopLogprobs(int n) {
        return new ServerConfig(baseUrl, model, apiKeyEnv, timeout, maxRetries, initialBackoff, maxBackoff, concurrency,
                n, api);
    }

    public ServerConfig withApi(ServerApi a) {
        return new ServerConfig(baseUrl, model, apiKeyEnv, timeout, maxRetries, initialBackoff, maxBackoff, concurrency,
                topLogprobs, a);
    }
}
