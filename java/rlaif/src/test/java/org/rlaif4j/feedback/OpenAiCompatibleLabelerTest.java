package org.rlaif4j.feedback;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rlaif4j.data.PairRecord;

/** The OpenAI-compatible client against a real HTTP server on a loopback port that misbehaves on purpose. */
class OpenAiCompatibleLabelerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Constitution C = Constitution.parse(
            "{\"preamble\": \"Compare.\", \"principles\": [{\"name\": \"p\", \"text\": \"Be good.\"}]}", "test");
    private static final PairRecord PAIR = new PairRecord("x", "q", "good", "bad");

    /** What the fake server answers: status, body, delay before answering, extra headers. */
    record Reply(int status, String body, long delayMs, Map<String, String> headers) {
        static Reply ok(String body) {
            return new Reply(200, body, 0, Map.of());
        }
    }

    interface Script {
        Reply answer(int index, JsonNode request);
    }

    private HttpServer server;
    private ExecutorService serverThreads;
    private final List<JsonNode> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> authHeaders = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    private URI start(Script script) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        AtomicInteger count = new AtomicInteger();
        server.createContext("/v1/completions", ex -> handle(ex, script, count.getAndIncrement()));
        server.createContext("/v1/chat/completions", ex -> handle(ex, script, count.getAndIncrement()));
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange ex, Script script, int index) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            JsonNode req = JSON.readTree(ex.getRequestBody());
            requests.add(req);
            authHeaders.add(ex.getRequestHeaders().getFirst("Authorization"));
            Reply r = script.answer(index, req);
            if (r.delayMs() > 0) {
                Thread.sleep(r.delayMs());
            }
            byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
            r.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            ex.sendResponseHeaders(r.status(), body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException | IOException e) {
            ex.close(); // the client gave up (timeout); nothing to answer
        } finally {
            inFlight.decrementAndGet();
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
            serverThreads.shutdownNow();
        }
    }

    /** Legacy completions logprobs: P("1") = 0.7 when Response 1 is "good", else 0.2; the rest elsewhere. */
    static String completion(JsonNode request) {
        String prompt = request.get("prompt").asText();
        boolean goodFirst = PromptLabelerTest.Scripted.last(prompt, "Response 1 - ").equals("good");
        double p1 = goodFirst ? 0.7 : 0.2;
        double p2 = goodFirst ? 0.2 : 0.7;
        return "{\"id\":\"cmpl\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"1\","
                + "\"logprobs\":{\"tokens\":[\"1\"],\"token_logprobs\":[" + Math.log(p1) + "],"
                + "\"top_logprobs\":[{\"1\":" + Math.log(p1) + ",\"2\":" + Math.log(p2) + ",\" The\":" + Math.log(0.05)
                + "}],\"text_offset\":[0]},\"finish_reason\":\"length\"}]}";
    }

    private static ServerConfig fast(URI url) {
        return ServerConfig.of(url, "tiny-judge", null).withTimeout(Duration.ofSeconds(5))
                .withRetries(3, Duration.ofMillis(1), Duration.ofMillis(20)).withConcurrency(1);
    }

    @Test
    void labelsBothOrdersFromTheTopLogprobsWithTheApiKey() throws Exception {
        URI url = start((i, req) -> Reply.ok(completion(req)));
        ServerConfig cfg = ServerConfig.of(URI.create(url + "/v1/"), "tiny-judge", "JUDGE_KEY");
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(cfg, C, LabelerOptions.defaults(),
                Map.of("JUDGE_KEY", "sekret")::get)) {
            PreferenceLabel lab = l.label(List.of(PAIR)).get(0);
            double ab = 0.7 / 0.9;       // P(1 | good, bad), softmax over the two label tokens
            double ba = 0.7 / 0.9;       // P(2 | bad, good)
            assertEquals(ab, lab.pAAb(), 1e-12);
            assertEquals(ba, lab.pABa(), 1e-12);
            assertEquals(0.7 / 0.9, lab.pA(), 1e-12);
            assertEquals("openai:tiny-judge@" + url + "/v1/", l.name());
        }
        assertEquals(2, requests.size());
        JsonNode req = requests.get(0);
        assertEquals("tiny-judge", req.get("model").asText());
        assertEquals(1, req.get("max_tokens").asInt());
        assertEquals(20, req.get("logprobs").asInt());
        assertEquals(0.0, req.get("temperature").asDouble());
        assertTrue(requests.stream().anyMatch(r -> r.get("prompt").asText()
                .endsWith("Response 1 - good\nResponse 2 - bad\nPreferred Response=")), "A first");
        assertTrue(requests.stream().anyMatch(r -> r.get("prompt").asText()
                .endsWith("Response 1 - bad\nResponse 2 - good\nPreferred Response=")), "B first");
        assertEquals(List.of("Bearer sekret", "Bearer sekret"), authHeaders);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OpenAiCompatibleLabeler(cfg, C, LabelerOptions.defaults(), k -> null));
        assertEquals("API key: environment variable JUDGE_KEY (named by --api-key-env) is not set or empty", e.getMessage());
    }

    @Test
    void retries429s500sMalformedBodiesAndSlowAnswers() throws Exception {
        URI url = start((i, req) -> switch (i) {
            case 0 -> new Reply(429, "{\"error\":\"rate limited\"}", 0, Map.of("Retry-After", "0"));
            case 1 -> new Reply(500, "internal error", 0, Map.of());
            case 2 -> Reply.ok("{\"choices\": [{\"text\": \"1\", \"logpr");   // cut off mid-body
            case 3 -> new Reply(200, completion(req), 2_000, Map.of());      // slower than the timeout
            default -> Reply.ok(completion(req));
        });
        ServerConfig cfg = fast(url).withTimeout(Duration.ofMillis(400));
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(cfg.withRetries(4, Duration.ofMillis(1),
                Duration.ofMillis(20)), C, LabelerOptions.defaults().withSwapOrders(false))) {
            long t0 = System.nanoTime();
            PreferenceLabel lab = l.label(List.of(PAIR)).get(0);
            assertEquals(0.7 / 0.9, lab.pA(), 1e-12);
            assertTrue(System.nanoTime() - t0 < 1_900_000_000L, "the slow answer was not waited for");
        }
        assertEquals(5, requests.size(), "four failures, then the answer");
    }

    @Test
    void exhaustedRetriesARefusedConnectionAndNonRetryableAnswersFailClearly() throws Exception {
        URI url = start((i, req) -> {
            String prompt = req.get("prompt").asText();
            if (prompt.contains("Context - busy")) {
                return new Reply(503, "overloaded", 0, Map.of());
            }
            if (prompt.contains("Context - bad-request")) {
                return new Reply(400, "{\"error\": \"prompt too long: 9000 > 4096 tokens\"}", 0, Map.of());
            }
            if (prompt.contains("Context - plain")) {
                return Reply.ok("{\"choices\": [{\"text\": \"1\", \"logprobs\": null}]}");
            }
            return Reply.ok("{\"choices\": [{\"text\": \"x\", \"logprobs\": {\"top_logprobs\": [{\"A\": -0.1, \"B\": -2.5}]}}]}");
        });
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(fast(url), C, LabelerOptions.defaults())) {
            LabelerServerException e = assertThrows(LabelerServerException.class,
                    () -> l.label(List.of(new PairRecord("1", "busy", "a", "b"))));
            assertEquals("labeler server " + url + "/v1/completions failed 4 tries; last problem: HTTP 503: overloaded",
                    e.getMessage());
            int before = requests.size();
            e = assertThrows(LabelerServerException.class, () -> l.label(List.of(new PairRecord("2", "bad-request", "a", "b"))));
            assertTrue(e.getMessage().contains("answered HTTP 400 (not retried): {\"error\": \"prompt too long"), e.getMessage());
            assertEquals(before + 1, requests.size(), "a 400 is not retried");
            e = assertThrows(LabelerServerException.class, () -> l.label(List.of(new PairRecord("3", "plain", "a", "b"))));
            assertTrue(e.getMessage().contains("returned no logprobs for model 'tiny-judge'"), e.getMessage());
            e = assertThrows(LabelerServerException.class, () -> l.label(List.of(new PairRecord("4", "other", "a", "b"))));
            assertTrue(e.getMessage().contains("none of the tokens [1, 2] is among the 2 most likely next tokens"),
                    e.getMessage());
        }
        server.stop(0);
        try (OpenAiCompatibleLabeler down = new OpenAiCompatibleLabeler(fast(url), C, LabelerOptions.defaults())) {
            LabelerServerException e = assertThrows(LabelerServerException.class, () -> down.label(List.of(PAIR)));
            assertTrue(e.getMessage().contains("failed 4 tries; last problem: cannot connect"), e.getMessage());
        }
    }

    @Test
    void keepsAtMostTheConcurrencyLimitInFlight() throws Exception {
        URI url = start((i, req) -> new Reply(200, completion(req), 60, Map.of()));
        List<PairRecord> pairs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            pairs.add(new PairRecord("p" + i, "q" + i, i % 2 == 0 ? "good" : "bad", i % 2 == 0 ? "bad" : "good"));
        }
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(fast(url).withConcurrency(3), C,
                LabelerOptions.defaults())) {
            List<PreferenceLabel> labels = l.label(pairs);
            for (int i = 0; i < 8; i++) {
                assertEquals(i % 2 == 0 ? 0.7 / 0.9 : 0.2 / 0.9, labels.get(i).pA(), 1e-12, "pair " + i + " in order");
            }
        }
        assertEquals(16, requests.size());
        assertTrue(maxInFlight.get() <= 3, "in flight at once: " + maxInFlight.get());
        assertTrue(maxInFlight.get() >= 2, "requests should overlap: " + maxInFlight.get());
    }

    @Test
    void readsChatStyleLogprobsAddsSpacedTokensAndGeneratesRationales() throws Exception {
        URI url = start((i, req) -> {
            if (req.get("max_tokens").asInt() > 1) {
                return Reply.ok("{\"choices\": [{\"text\": \" Response 1 is kinder.\\n\"}]}");
            }
            // " 1" and "1" both count for label 1; "2" is absent and gets the smallest reported log-prob
            return Reply.ok("{\"choices\": [{\"text\": \" 1\", \"logprobs\": {\"content\": [{\"token\": \" 1\", "
                    + "\"logprob\": " + Math.log(0.5) + ", \"top_logprobs\": [{\"token\": \" 1\", \"logprob\": "
                    + Math.log(0.5) + "}, {\"token\": \"1\", \"logprob\": " + Math.log(0.3) + "}, {\"token\": \"The\", "
                    + "\"logprob\": " + Math.log(0.1) + "}]}]}}]}");
        });
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(fast(url), C,
                LabelerOptions.defaults().withSwapOrders(false).withChainOfThought(true, 40))) {
            PreferenceLabel lab = l.label(List.of(PAIR)).get(0);
            assertEquals(0.8 / 0.9, lab.pA(), 1e-12);
            assertEquals("Response 1 is kinder.", lab.rationale());
        }
        assertEquals(2, requests.size());
        assertEquals(40, requests.get(0).get("max_tokens").asInt());
        assertFalse(requests.get(0).has("logprobs"), "the rationale request asks for text only");
        assertEquals("Preferred Response=", requests.get(0).get("stop").get(0).asText());
        assertTrue(requests.get(1).get("prompt").asText().endsWith("Rationale: Response 1 is kinder.\nPreferred Response="));
    }

    /** A completions answer whose first position reports {@code top} (token to probability). */
    static String top(Map<String, Double> top) {
        StringBuilder b = new StringBuilder("{\"choices\": [{\"text\": \"x\", \"logprobs\": {\"top_logprobs\": [{");
        top.forEach((t, p) -> b.append(b.charAt(b.length() - 1) == '{' ? "" : ",").append(JSON.<JsonNode>valueToTree(t).toString())
                .append(':').append(Math.log(p)));
        return b.append("}]}}]}").toString();
    }

    /** A chat answer whose first position reports {@code top} (token to probability). */
    static String chatTop(Map<String, Double> top) {
        StringBuilder b = new StringBuilder("{\"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", "
                + "\"content\": \"1\"}, \"logprobs\": {\"content\": [{\"token\": \"1\", \"logprob\": -0.5, "
                + "\"top_logprobs\": [");
        top.forEach((t, p) -> b.append(b.charAt(b.length() - 1) == '[' ? "" : ",").append("{\"token\": ")
                .append(JSON.<JsonNode>valueToTree(t).toString()).append(", \"logprob\": ").append(Math.log(p)).append('}'));
        return b.append("]}]}, \"finish_reason\": \"length\"}]}").toString();
    }

    private static final Constitution SCORING = Constitution.parse("{\"preamble\": \"Compare.\", "
            + "\"principle_mode\": \"all\"}", "scoring");

    @Test
    void completionsReadTenAsOneThenZeroAndOneOnlyWhereItStops() throws Exception {
        // a Qwen-like server: "10" is never one token; after "=1" the next token is "0" with 0.4, after "= 1" 0.5
        URI url = start((i, req) -> {
            String prompt = req.get("prompt").asText();
            if (prompt.endsWith("Score=")) {
                return Reply.ok(top(Map.of("1", 0.5, " 1", 0.1, "5", 0.2, "12", 0.15, "1 ", 0.04)));
            }
            if (prompt.endsWith("Score=1")) {
                return Reply.ok(top(Map.of("0", 0.4, ".", 0.5, "00", 0.1)));
            }
            if (prompt.endsWith("Score= 1")) {
                return Reply.ok(top(Map.of("0", 0.5, "\n", 0.5)));
            }
            return new Reply(400, "unexpected prompt " + prompt, 0, Map.of());
        });
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(fast(url), SCORING, LabelerOptions.defaults())) {
            DirectScore s = l.score(List.of(new ResponseToScore("r", "q", "an answer"))).get(0);
            double[] want = new double[10];
            java.util.Arrays.fill(want, Math.log(0.04)); // absent scores: the smallest reported log-prob
            want[0] = Math.log(0.5 * 0.6 + 0.1 * 0.5);  // "1" or " 1", then not "0" ("12" and "1 " are not 1)
            want[4] = Math.log(0.2);
            want[9] = Math.log(0.5 * 0.4 + 0.1 * 0.5);  // "1" "0" or " 1" "0" ("00" would make 100)
            DirectScore expected = PreferenceMath.directScore(want);
            assertArrayEquals(expected.probabilities(), s.probabilities(), 1e-12);
            assertEquals(expected.expected(), s.expected(), 1e-12);
        }
        assertEquals(3, requests.size(), "the first position, then once after \"1\" and once after \" 1\"");
    }

    @Test
    void completionsOnAServerThatKeepsTenWholeAddTheRareSplitAndMatchExactly() throws Exception {
        URI url = start((i, req) -> {
            String prompt = req.get("prompt").asText();
            if (prompt.endsWith("Score=")) {
                return Reply.ok(top(Map.of("10", 0.6, "1", 0.3, "9", 0.05)));
            }
            if (prompt.endsWith("Score=1")) {
                return Reply.ok(top(Map.of("0", 0.1, "<eos>", 0.9)));
            }
            return new Reply(400, "unexpected prompt " + prompt, 0, Map.of());
        });
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(fast(url), SCORING, LabelerOptions.defaults())) {
            DirectScore s = l.score(List.of(new ResponseToScore("r", "q", "an answer"))).get(0);
            double[] want = new double[10];
            java.util.Arrays.fill(want, Math.log(0.05));
            want[0] = Math.log(0.3 * 0.9);
            want[9] = Math.log(0.6 + 0.3 * 0.1);
            assertArrayEquals(PreferenceMath.directScore(want).probabilities(), s.probabilities(), 1e-12);
        }
        assertEquals(2, requests.size());
    }

    @Test
    void pairwiseLabelsCountOnlyExactTokensWithoutSecondRequests() throws Exception {
        URI url = start((i, req) -> Reply.ok(top(Map.of("1", 0.3, " 1", 0.1, "12", 0.3, "1\n", 0.1, " 2", 0.1,
                "2 ", 0.05))));
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(fast(url), C,
                LabelerOptions.defaults().withSwapOrders(false))) {
            assertEquals(0.4 / 0.5, l.label(List.of(PAIR)).get(0).pA(), 1e-12, "1 and \" 1\" against \" 2\"");
        }
        assertEquals(1, requests.size());
        // an ending with a trailing space takes no leading space off: " 1" is not "1" there
        Constitution spaced = Constitution.parse("{\"preamble\": \"Compare.\", \"principle_mode\": \"all\", "
                + "\"ending\": \"Preferred Response: \"}", "spaced");
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(fast(url), spaced,
                LabelerOptions.defaults().withSwapOrders(false))) {
            assertEquals(0.3 / (0.3 + 0.05), l.label(List.of(PAIR)).get(0).pA(), 1e-12, "\"2\" absent: the floor 0.05");
        }
    }

    @Test
    void chatSendsMessagesAndReadsTheContentsTopLogprobs() throws Exception {
        URI url = start((i, req) -> {
            if (req.get("max_tokens").asInt() > 1) {
                return Reply.ok("{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": "
                        + "\" Response 1 is kinder.\"}}]}");
            }
            String user = req.get("messages").get(req.get("messages").size() - 1).get("content").asText();
            boolean goodFirst = PromptLabelerTest.Scripted.last(user, "Response 1 - ").equals("good");
            return Reply.ok(chatTop(Map.of("1", goodFirst ? 0.7 : 0.2, "2", goodFirst ? 0.2 : 0.7, "The", 0.05)));
        });
        ServerConfig cfg = fast(url).withApi(ServerApi.CHAT);
        assertEquals(URI.create(url + "/v1/chat/completions"), cfg.endpointUri());
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(cfg, C, LabelerOptions.defaults())) {
            PreferenceLabel lab = l.label(List.of(PAIR)).get(0);
            assertEquals(0.7 / 0.9, lab.pAAb(), 1e-12);
            assertEquals(0.7 / 0.9, lab.pABa(), 1e-12);
            assertEquals("openai-chat:tiny-judge@" + url, l.name());
        }
        JsonNode req = requests.get(0);
        assertFalse(req.has("prompt"));
        assertEquals(1, req.get("max_tokens").asInt());
        assertEquals(0.0, req.get("temperature").asDouble());
        assertTrue(req.get("logprobs").asBoolean());
        assertEquals(20, req.get("top_logprobs").asInt());
        JsonNode messages = req.get("messages");
        assertEquals(2, messages.size());
        assertEquals("system", messages.get(0).get("role").asText());
        assertEquals("Compare.", messages.get(0).get("content").asText());
        assertEquals("user", messages.get(1).get("role").asText());
        String user = messages.get(1).get("content").asText();
        assertTrue(user.startsWith("Principle: Be good.\n\nContext - q\n"), user);
        assertTrue(user.endsWith("\nPreferred Response="), user);

        requests.clear();
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(cfg, C,
                LabelerOptions.defaults().withSwapOrders(false).withChainOfThought(true, 30))) {
            PreferenceLabel lab = l.label(List.of(PAIR)).get(0);
            assertEquals("Response 1 is kinder.", lab.rationale());
            assertEquals(0.7 / 0.9, lab.pA(), 1e-12);
        }
        assertEquals("Preferred Response=", requests.get(0).get("stop").get(0).asText());
        assertFalse(requests.get(0).has("logprobs"));
    }

    @Test
    void chatScoresOneAndTenOnlyWhenTheServerReportsTenWhole() throws Exception {
        URI url = start((i, req) -> {
            String user = req.get("messages").get(req.get("messages").size() - 1).get("content").asText();
            return Reply.ok(user.contains("Response - whole") ? chatTop(Map.of("10", 0.5, "1", 0.2, "7", 0.2))
                    : chatTop(Map.of("1", 0.6, "7", 0.3)));
        });
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(fast(url).withApi(ServerApi.CHAT), SCORING,
                LabelerOptions.defaults())) {
            DirectScore s = l.score(List.of(new ResponseToScore("w", "q", "whole"))).get(0);
            double[] want = new double[10];
            java.util.Arrays.fill(want, Math.log(0.2));
            want[9] = Math.log(0.5);
            assertArrayEquals(PreferenceMath.directScore(want).probabilities(), s.probabilities(), 1e-12);
            LabelerServerException e = assertThrows(LabelerServerException.class,
                    () -> l.score(List.of(new ResponseToScore("s", "q", "split"))));
            assertTrue(e.getMessage().startsWith(url + "/v1/chat/completions: the server reported '1' but not '10' "
                    + "among its 2 most likely first tokens"), e.getMessage());
            assertTrue(e.getMessage().endsWith("use the completions API (--api completions) for these tokens"),
                    e.getMessage());
        }
        assertEquals("Rate how well the response to the context follows the principles below, on a scale from 1 "
                + "(worst) to 10 (best).", requests.get(0).get("messages").get(0).get("content").asText());
    }

    @Test
    void chatAnswersWithoutLogprobsOrChoicesFailClearly() throws Exception {
        URI url = start((i, req) -> {
            String user = req.get("messages").get(req.get("messages").size() - 1).get("content").asText();
            if (user.contains("Context - nolp")) {
                return Reply.ok("{\"choices\": [{\"message\": {\"content\": \"1\"}, \"logprobs\": {\"content\": []}}]}");
            }
            if (user.contains("Context - nochoices")) {
                return Reply.ok("{\"object\": \"chat.completion\", \"choices\": []}");
            }
            if (user.contains("Context - notjson")) {
                return Reply.ok("<html>Bad gateway</html>");
            }
            return Reply.ok("{\"choices\": [{\"message\": {\"content\": 7}}]}");
        });
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(fast(url).withApi(ServerApi.CHAT), C,
                LabelerOptions.defaults())) {
            LabelerServerException e = assertThrows(LabelerServerException.class,
                    () -> l.label(List.of(new PairRecord("1", "nolp", "a", "b"))));
            assertTrue(e.getMessage().contains("returned no logprobs for model 'tiny-judge'"), e.getMessage());
            assertTrue(e.getMessage().contains("honours \"logprobs\" on /v1/chat/completions"), e.getMessage());
            e = assertThrows(LabelerServerException.class, () -> l.label(List.of(new PairRecord("2", "nochoices", "a", "b"))));
            assertTrue(e.getMessage().contains("the answer has no choices"), e.getMessage());
            e = assertThrows(LabelerServerException.class, () -> l.label(List.of(new PairRecord("3", "notjson", "a", "b"))));
            assertTrue(e.getMessage().endsWith("failed 4 tries; last problem: a body that is not JSON: "
                    + "<html>Bad gateway</html>"), e.getMessage());
        }
        try (OpenAiCompatibleLabeler l = new OpenAiCompatibleLabeler(fast(url).withApi(ServerApi.CHAT), C,
                LabelerOptions.defaults().withChainOfThought(true, 10))) {
            LabelerServerException e = assertThrows(LabelerServerException.class,
                    () -> l.label(List.of(new PairRecord("4", "content", "a", "b"))));
            assertTrue(e.getMessage().contains("the completion has no message.content field"), e.getMessage());
        }
    }
}
