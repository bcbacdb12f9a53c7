package org.rlaif4j.feedback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.rlaif4j.data.Jsonl;

/**
 * A labeler on any server with the OpenAI-compatible {@code POST /v1/completions} and
 * {@code logprobs} (vLLM, llama.cpp's server, Ollama). Label and score tokens are read from the
 * first generated position's top log-probs ({@code max_tokens: 1, temperature: 0,
 * logprobs: topLogprobs}); rationales come from greedy completions.
 *
 * <p>Matching: a reported token counts for a candidate when it equals the candidate after
 * stripping whitespace (servers report {@code " 1"} and {@code "1"} as different tokens; their
 * probabilities are added). A candidate absent from the top list gets the smallest reported
 * log-prob, an upper bound on its true value, so a truncated list yields a cautious label, not a
 * certain one; when no candidate is reported the call fails, since the labeler is not answering in
 * the constitution's format.
 *
 * <p>Requests run on {@code concurrency} threads. 429s, 5xx answers, timeouts, refused
 * connections and bodies that are not JSON are retried with exponential backoff (with jitter; a
 * 429's {@code Retry-After} is honoured up to the maximum backoff); other 4xx answers and JSON
 * without logprobs fail at once. Errors are {@link LabelerServerException}s naming the URL and the
 * last problem. The server enforces its own context length: an over-long prompt fails with the
 * server's message.
 */
public final class OpenAiCompatibleLabeler extends PromptLabeler {
    private static final int EXCERPT = 300;
    private final ServerConfig server;
    private final URI endpoint;
    private final String apiKey;
    private final HttpClient http;
    private final ExecutorService pool;

    /** Reads the API key from the process environment. */
    public OpenAiCompatibleLabeler(ServerConfig server, Constitution constitution, LabelerOptions options) {
        this(server, constitution, options, System::getenv);
    }

    /** @param env looks up {@link ServerConfig#apiKeyEnv()} (tests pass a map) */
    public OpenAiCompatibleLabeler(ServerConfig server, Constitution constitution, LabelerOptions options,
                                   Function<String, String> env) {
        super(constitution, options);
        this.server = server;
        this.endpoint = server.completionsUri();
        if (server.apiKeyEnv() != null) {
            String key = env.apply(server.apiKeyEnv());
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("API key: environment variable " + server.apiKeyEnv()
                        + " (named by --api-key-env) is not set or empty");
            }
            this.apiKey = key.strip();
        } else {
            this.apiKey = null;
        }
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(server.timeout())
                .build();
        this.pool = Executors.newFixedThreadPool(server.concurrency(), r -> {
            Thread t = new Thread(r, "labeler-http");
            t.setDaemon(true); // an abandoned labeler must not keep the JVM alive
            return t;
        });
    }

    @Override
    public String name() {
        return "openai:" + server.model() + "@" + server.baseUrl();
    }

    @Override
    protected int contextTokens() {
        return -1;
    }

    @Override
    protected int countTokens(String text) {
        throw new UnsupportedOperationException("the server counts its own tokens");
    }

    @Override
    protected double[][] nextTokenLogProbs(List<String> prompts, List<String> candidates) {
        List<double[]> rows = parallel(prompts, p -> {
            ObjectNode body = request(p, 1);
            body.put("logprobs", server.topLogprobs());
            return candidateLogProbs(firstTokenTopLogprobs(post(body)), candidates);
        });
        return rows.toArray(double[][]::new);
    }

    @Override
    protected List<String> greedyContinuations(List<String> prompts, int maxTokens) {
        return parallel(prompts, p -> {
            ObjectNode body = request(p, maxTokens);
            body.putArray("stop").add(constitution().ending()); // the label is read by us, not written by it
            JsonNode text = firstChoice(post(body)).path("text");
            if (!text.isTextual()) {
                throw new LabelerServerException(endpoint + ": the completion has no text field");
            }
            return text.asText();
        });
    }

    private ObjectNode request(String prompt, int maxTokens) {
        ObjectNode body = Jsonl.mapper().createObjectNode();
        body.put("model", server.model());
        body.put("prompt", prompt);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0.0);
        return body;
    }

    private <T> List<T> parallel(List<String> prompts, Function<String, T> call) {
        List<Future<T>> futures = new ArrayList<>(prompts.size());
        AtomicBoolean failed = new AtomicBoolean(); // once one call fails, queued calls are not sent
        for (String p : prompts) {
            futures.add(pool.submit(() -> {
                if (failed.get()) {
                    return null;
                }
                try {
                    return call.apply(p);
                } catch (RuntimeException e) {
                    failed.set(true);
                    throw e;
                }
            }));
        }
        List<T> out = new ArrayList<>(prompts.size());
        try {
            for (Future<T> f : futures) {
                out.add(f.get());
            }
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new LabelerServerException(endpoint + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new LabelerServerException(endpoint + ": interrupted while waiting for the server", e);
        }
        return out;
    }

    /** POSTs with retries; returns the parsed JSON object of a 200 answer. */
    private JsonNode post(ObjectNode body) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint).timeout(server.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Jsonl.toLine(body)));
        if (apiKey != null) {
            rb.header("Authorization", "Bearer " + apiKey);
        }
        HttpRequest req = rb.build();
        String problem = null;
        Duration retryAfter = Duration.ZERO;
        for (int attempt = 0; attempt <= server.maxRetries(); attempt++) {
            if (attempt > 0) {
                sleep(backoff(attempt, retryAfter));
            }
            retryAfter = Duration.ZERO;
            HttpResponse<String> resp;
            try {
                resp = http.send(req, HttpResponse.BodyHandlers.ofString());
            } catch (HttpTimeoutException e) {
                problem = "no answer within " + server.timeout().toMillis() + " ms";
                continue;
            } catch (ConnectException e) {
                problem = "cannot connect (" + e.getMessage() + "); is the server running?";
                continue;
            } catch (IOException e) {
                problem = e.toString();
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LabelerServerException(endpoint + ": interrupted", e);
            }
            int code = resp.statusCode();
            if (code == 429 || code >= 500) {
                problem = "HTTP " + code + ": " + excerpt(resp.body());
                retryAfter = retryAfter(resp);
                continue;
            }
            if (code != 200) {
                throw new LabelerServerException(endpoint + " answered HTTP " + code + " (not retried): "
                        + excerpt(resp.body()));
            }
            try {
                JsonNode json = Jsonl.mapper().readTree(resp.body());
                if (json != null && json.isObject()) {
                    return json;
                }
                problem = "a body that is not a JSON object: " + excerpt(resp.body());
            } catch (JsonProcessingException e) {
                problem = "a body that is not JSON: " + excerpt(resp.body());
            }
        }
        throw new LabelerServerException("labeler server " + endpoint + " failed " + (server.maxRetries() + 1)
                + " tries; last problem: " + problem);
    }

    private Duration backoff(int attempt, Duration retryAfter) {
        long base = server.initialBackoff().toMillis() << Math.min(attempt - 1, 30);
        long capped = Math.min(base, server.maxBackoff().toMillis());
        long jittered = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1); // spread retries of parallel calls
        return Duration.ofMillis(Math.max(jittered, Math.min(retryAfter.toMillis(), server.maxBackoff().toMillis())));
    }

    private static Duration retryAfter(HttpResponse<?> resp) {
        return resp.headers().firstValue("Retry-After").map(v -> {
            try {
                return Duration.ofSeconds(Long.parseLong(v.strip()));
            } catch (NumberFormatException e) {
                return Duration.ZERO; // an HTTP date: fall back to our own backoff
            }
        }).orElse(Duration.ZERO);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabelerServerException("interrupted while backing off", e);
        }
    }

    private JsonNode firstChoice(JsonNode root) {
        JsonNode choices = root.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            throw new LabelerServerException(endpoint + ": the answer has no choices: " + excerpt(root.toString()));
        }
        return choices.get(0);
    }

    /**
     * The first generated position's reported tokens and log-probs. Understands the completions
     * format ({@code logprobs.top_logprobs[0]} as an object, or a list of {token, logprob}) and the
     * chat-style one some servers use on completions too ({@code logprobs.content[0].top_logprobs}).
     */
    private Map<String, Double> firstTokenTopLogprobs(JsonNode root) {
        JsonNode lp = firstChoice(root).path("logprobs");
        Map<String, Double> top = new LinkedHashMap<>();
        JsonNode legacy = lp.path("top_logprobs");
        JsonNode content = lp.path("content");
        if (legacy.isArray() && !legacy.isEmpty()) {
            JsonNode first = legacy.get(0);
            if (first.isObject()) {
                first.fields().forEachRemaining(e -> add(top, e.getKey(), e.getValue()));
            } else if (first.isArray()) {
                first.forEach(e -> add(top, e.path("token").asText(null), e.path("logprob")));
            }
            if (lp.path("tokens").path(0).isTextual()) {
                add(top, lp.path("tokens").path(0).asText(), lp.path("token_logprobs").path(0));
            }
        } else if (content.isArray() && !content.isEmpty()) {
            JsonNode first = content.get(0);
            add(top, first.path("token").asText(null), first.path("logprob"));
            first.path("top_logprobs").forEach(e -> add(top, e.path("token").asText(null), e.path("logprob")));
        }
        if (top.isEmpty()) {
            throw new LabelerServerException(endpoint + " returned no logprobs for model '" + server.model()
                    + "' (answer: " + excerpt(root.toString()) + "); the labeler needs a server that honours "
                    + "\"logprobs\" on /v1/completions (vLLM, llama.cpp server, Ollama)");
        }
        return top;
    }

    private static void add(Map<String, Double> top, String token, JsonNode value) {
        if (token != null && value.isNumber() && Double.isFinite(value.asDouble())) {
            top.put(token, value.asDouble());
        }
    }

    /** Each candidate's log-prob from the reported top tokens; see the class comment for the matching rule. */
    private double[] candidateLogProbs(Map<String, Double> top, List<String> candidates) {
        double floor = top.values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double[] out = new double[candidates.size()];
        boolean any = false;
        for (int i = 0; i < out.length; i++) {
            double p = 0;
            for (Map.Entry<String, Double> e : top.entrySet()) {
                if (e.getKey().strip().equals(candidates.get(i))) {
                    p += Math.exp(e.getValue());
                }
            }
            any |= p > 0;
            out[i] = p > 0 ? Math.log(p) : floor;
        }
        if (!any) {
            throw new LabelerServerException(endpoint + ": none of the tokens " + candidates + " is among the "
                    + top.size() + " most likely next tokens the server reported " + top.keySet() + "; the model "
                    + "does not answer in the constitution's format (check its ending), or ask for more "
                    + "--top-logprobs");
        }
        return out;
    }

    private static String excerpt(String body) {
        String s = body == null ? "" : body.strip().replaceAll("\\s+", " ");
        return s.isEmpty() ? "(empty body)" : s.length() <= EXCERPT ? s : s.substring(0, EXCERPT) + "...";
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
