package org.rlaif4j.feedback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * {@code logprobs} (vLLM, llama.cpp's server, Ollama), or its {@code POST /v1/chat/completions}
 * ({@link ServerApi#CHAT}). Label and score tokens are read from the first generated position's top
 * log-probs ({@code max_tokens: 1, temperature: 0}, and {@code logprobs: topLogprobs} on
 * completions, {@code logprobs: true, top_logprobs: topLogprobs} on chat); rationales come from
 * greedy completions. On chat the prompt goes as messages: the constitution's preamble as the
 * system message when the prompt starts with it, the rest as one user message (a chain-of-thought
 * label prompt, rationale included, is one user message too).
 *
 * <p>Matching is exact: a reported token counts for candidate {@code L} only if its text equals
 * {@code L}, or {@code " " + L} when the ending does not end in whitespace (the one leading space
 * a tokenizer may write after an ending such as {@code "="}; decided once from the ending; both
 * forms' probabilities are added). No other stripping and no prefix matching is done, so "1"
 * never takes "10"'s probability by its text.
 *
 * <p>Candidates the server splits into several tokens ("10" as "1" + "0" on tokenizers that split
 * digits, such as Qwen's): on completions, whenever a reported token is a proper prefix of a
 * candidate, or is a candidate that a longer candidate begins with, a second request with that
 * token appended to the prompt reads the next position, so "10" gets {@code P("1") P("0" | "1")}
 * and "1" gets {@code P("1") (1 - P("0" | "1"))} (one extra request per such token and prompt;
 * labels "1"/"2" need none). On chat a second position cannot be read: when the server reports
 * "1" but not "10" the call fails saying so (use the completions API for such score tokens); when
 * it reports both, its tokenizer keeps "10" whole and single tokens are read.
 *
 * <p>A candidate absent from the top list gets the smallest reported log-prob of the first
 * position, an upper bound on its true value, so a truncated list yields a cautious label, not a
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
        this.endpoint = server.endpointUri();
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
        return (server.api() == ServerApi.CHAT ? "openai-chat:" : "openai:") + server.model() + "@" + server.baseUrl();
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
    protected double[][] continuationLogProbs(List<String> prompts, String ending, List<String> candidates) {
        boolean space = !Character.isWhitespace(ending.charAt(ending.length() - 1));
        List<double[]> rows = parallel(prompts, p -> new Reading(p, space, candidates).logProbs());
        return rows.toArray(double[][]::new);
    }

    @Override
    protected List<String> greedyContinuations(List<String> prompts, int maxTokens) {
        return parallel(prompts, p -> {
            ObjectNode body = request(p, maxTokens);
            body.putArray("stop").add(constitution().ending()); // the label is read by us, not written by it
            JsonNode choice = firstChoice(post(body));
            boolean chat = server.api() == ServerApi.CHAT;
            JsonNode text = chat ? choice.path("message").path("content") : choice.path("text");
            if (!text.isTextual()) {
                throw new LabelerServerException(endpoint + ": the completion has no "
                        + (chat ? "message.content" : "text") + " field: " + excerpt(choice.toString()));
            }
            return text.asText();
        });
    }

    /**
     * One prompt's candidates read from the server: the first position's top log-probs and, on
     * completions, those after each reported token that a candidate goes on from (each asked once).
     */
    private final class Reading {
        private final String prompt;
        private final boolean space;
        private final List<String> candidates;
        private final Map<String, Map<String, Double>> tops = new HashMap<>();

        Reading(String prompt, boolean space, List<String> candidates) {
            this.prompt = prompt;
            this.space = space;
            this.candidates = candidates;
        }

        /** The top log-probs of the next token after the prompt followed by {@code sent}. */
        private Map<String, Double> top(String sent) {
            Map<String, Double> t = tops.get(sent);
            if (t == null) {
                ObjectNode body = request(prompt + sent, 1);
                if (server.api() == ServerApi.CHAT) {
                    body.put("logprobs", true);
                    body.put("top_logprobs", server.topLogprobs());
                } else {
                    body.put("logprobs", server.topLogprobs());
                }
                t = firstTokenTopLogprobs(post(body));
                tops.put(sent, t);
            }
            return t;
        }

        /** A first-position token's text as a label: without the one leading space the ending allows. */
        private String asLabel(String token) {
            return space && token.startsWith(" ") ? token.substring(1) : token;
        }

        double[] logProbs() {
            Map<String, Double> first = top("");
            boolean chat = server.api() == ServerApi.CHAT;
            if (chat) {
                refuseSplitCandidates(first);
            }
            double floor = first.values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double[] out = new double[candidates.size()];
            boolean any = false;
            for (int i = 0; i < out.length; i++) {
                double p = chat ? exact(first, candidates.get(i)) : walk("", "", candidates.get(i));
                any |= p > 0;
                out[i] = p > 0 ? Math.log(p) : floor;
            }
            if (!any) {
                throw new LabelerServerException(endpoint + ": none of the tokens " + candidates + " is among the "
                        + first.size() + " most likely next tokens the server reported " + first.keySet() + "; the "
                        + "model does not answer in the constitution's format (check its ending), or ask for more "
                        + "--top-logprobs");
            }
            return out;
        }

        private double exact(Map<String, Double> first, String c) {
            double p = 0;
            for (Map.Entry<String, Double> e : first.entrySet()) {
                if (asLabel(e.getKey()).equals(c)) {
                    p += Math.exp(e.getValue());
                }
            }
            return p;
        }

        /** On chat: "1" reported while "10" is not may hold "10"'s probability, which one position cannot tell. */
        private void refuseSplitCandidates(Map<String, Double> first) {
            Set<String> reported = new HashSet<>();
            first.keySet().forEach(t -> reported.add(asLabel(t)));
            for (String shorter : candidates) {
                for (String longer : candidates) {
                    if (longer.length() > shorter.length() && longer.startsWith(shorter) && reported.contains(shorter)
                            && !reported.contains(longer)) {
                        throw new LabelerServerException(endpoint + ": the server reported '" + shorter + "' but not '"
                                + longer + "' among its " + first.size() + " most likely first tokens: its tokenizer "
                                + "may write '" + longer + "' as '" + shorter + "' and more, which one position of "
                                + "the chat API cannot tell apart, so the two would be merged; use the completions "
                                + "API (--api completions) for these tokens");
                    }
                }
            }
        }

        /**
         * The probability that the text after the prompt and {@code sent} (so far label text
         * {@code done}) goes on to exactly candidate {@code c} and stops there.
         */
        private double walk(String sent, String done, String c) {
            double total = 0;
            for (Map.Entry<String, Double> e : top(sent).entrySet()) {
                String s = sent.isEmpty() ? asLabel(e.getKey()) : e.getKey();
                if (s.isEmpty()) {
                    continue;
                }
                String text = done + s;
                if (text.equals(c)) {
                    total += Math.exp(e.getValue()) * stops(sent + e.getKey(), c);
                } else if (c.startsWith(text)) {
                    total += Math.exp(e.getValue()) * walk(sent + e.getKey(), text, c);
                }
            }
            return total;
        }

        /** After candidate {@code c} and {@code sent}, the probability of not going on towards a longer candidate. */
        private double stops(String sent, String c) {
            List<String> longer = candidates.stream().filter(o -> o.length() > c.length() && o.startsWith(c)).toList();
            if (longer.isEmpty()) {
                return 1;
            }
            double goOn = 0;
            for (Map.Entry<String, Double> e : top(sent).entrySet()) {
                String u = e.getKey();
                if (!u.isEmpty() && longer.stream().anyMatch(o -> o.startsWith(c + u))) {
                    goOn += Math.exp(e.getValue());
                }
            }
            return Math.max(1 - goOn, Continuations.MIN_STOP);
        }
    }

    private ObjectNode request(String prompt, int maxTokens) {
        ObjectNode body = Jsonl.mapper().createObjectNode();
        body.put("model", server.model());
        if (server.api() == ServerApi.CHAT) {
            ArrayNode messages = body.putArray("messages");
            String system = systemPart(prompt);
            if (system != null) {
                messages.addObject().put("role", "system").put("content", system);
                messages.addObject().put("role", "user").put("content", prompt.substring(system.length() + 2));
            } else {
                messages.addObject().put("role", "user").put("content", prompt);
            }
        } else {
            body.put("prompt", prompt);
        }
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0.0);
        return body;
    }

    /** The preamble (comparison or scoring) the prompt starts with before a blank line, or null. */
    private String systemPart(String prompt) {
        for (String preamble : List.of(constitution().preamble(), constitution().scorePreamble())) {
            if (prompt.startsWith(preamble + "\n\n")) {
                return preamble;
            }
        }
        return null;
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
                    + "\"logprobs\" on " + endpoint.getPath() + " (vLLM, llama.cpp server, Ollama)");
        }
        return top;
    }

    private static void add(Map<String, Double> top, String token, JsonNode value) {
        if (token != null && value.isNumber() && Double.isFinite(value.asDouble())) {
            top.put(token, value.asDouble());
        }
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
