package org.rlaif4j.serve;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.feedback.LabelerOptions;
import org.rlaif4j.feedback.LocalLmLabeler;
import org.rlaif4j.feedback.OpenAiCompatibleLabeler;
import org.rlaif4j.feedback.PreferenceLabel;
import org.rlaif4j.feedback.ServerConfig;
import org.rlaif4j.feedback.TinyCheckpoints;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.GenerationConfig;
import org.rlaif4j.model.GenerationResult;
import org.rlaif4j.model.Generator;
import org.rlaif4j.model.tokenizer.HfTokenizer;

/** {@code serve} as a real HTTP server on a loopback port, over a tiny random checkpoint. */
class CompletionServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Constitution C = Constitution.parse(
            "{\"preamble\": \"Compare.\", \"principles\": [{\"name\": \"p\", \"text\": \"Be good.\"}]}", "test");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path dir;
    static Path ckpt;
    static CausalLm lm;
    static HfTokenizer tok;
    static CompletionServer server;
    static URI base;

    @BeforeAll
    static void start() throws Exception {
        ckpt = TinyCheckpoints.save(dir.resolve("tiny"), 256, 32, 2, 7);
        lm = CausalLm.load(ckpt);
        tok = HfTokenizer.load(ckpt);
        ServeConfig cfg = ServeConfig.defaults("tiny").withMaxLogprobs(tok.vocabSize())
                .withBatchWindow(Duration.ofMillis(150));
        server = new CompletionServer(lm, tok, cfg, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        base = URI.create("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
        tok.close();
    }

    static HttpResponse<String> post(URI base, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void labelsThroughTheServerMatchTheLocalLabeler() throws Exception {
        List<PairRecord> pairs = List.of(new PairRecord("a", "What is 2+2?", "4", "five"),
                new PairRecord("b", "Say hi", "hello there", "go away"),
                new PairRecord("c", "Name a colour", "blue", "a long answer about colours"));
        ServerConfig sc = ServerConfig.of(base, "tiny", null).withTopLogprobs(tok.vocabSize()).withConcurrency(4);
        // the local labeler closes its tokenizer, so it gets its own
        try (LocalLmLabeler local = new LocalLmLabeler(lm, HfTokenizer.load(ckpt), "local", C, LabelerOptions.defaults());
             OpenAiCompatibleLabeler remote = new OpenAiCompatibleLabeler(sc, C, LabelerOptions.defaults())) {
            List<PreferenceLabel> want = local.label(pairs);
            List<PreferenceLabel> got = remote.label(pairs);
            for (int i = 0; i < pairs.size(); i++) {
                assertEquals(want.get(i).pAAb(), got.get(i).pAAb(), 1e-4, "p_a_ab of pair " + i);
                assertEquals(want.get(i).pABa(), got.get(i).pABa(), 1e-4, "p_a_ba of pair " + i);
                assertEquals(want.get(i).pA(), got.get(i).pA(), 1e-4, "p_a of pair " + i);
            }
            // a random model is not indifferent: the labels carry signal the comparison could miss
            assertTrue(want.stream().anyMatch(l -> Math.abs(l.pAAb() - 0.5) > 1e-3));
        }
    }

    @Test
    void directScoresThroughTheServerMatchTheLocalLabelersTeacherForcedTen() throws Exception {
        // the character tokenizer writes "10" as "1" "0": the server labeler reads it in two requests, the local one
        // in one batch; both give 1 and 10 apart
        List<org.rlaif4j.feedback.ResponseToScore> rs = List.of(new org.rlaif4j.feedback.ResponseToScore("a", "q", "4"),
                new org.rlaif4j.feedback.ResponseToScore("b", "Say hi", "hello there"));
        ServerConfig sc = ServerConfig.of(base, "tiny", null).withTopLogprobs(tok.vocabSize()).withConcurrency(2);
        try (LocalLmLabeler local = new LocalLmLabeler(lm, HfTokenizer.load(ckpt), "local", C, LabelerOptions.defaults());
             OpenAiCompatibleLabeler remote = new OpenAiCompatibleLabeler(sc, C, LabelerOptions.defaults())) {
            var want = local.score(rs);
            var got = remote.score(rs);
            for (int i = 0; i < rs.size(); i++) {
                assertArrayEquals(want.get(i).probabilities(), got.get(i).probabilities(), 1e-4, "response " + i);
            }
        }
    }

    @Test
    void greedyCompletionWithEchoAndLogprobsIsTheGeneratorsAndADistribution() throws Exception {
        String prompt = "Hello, wor";
        JsonNode r = ok(post(base, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"" + prompt
                + "\", \"max_tokens\": 5, \"temperature\": 0, \"echo\": true, \"logprobs\": " + tok.vocabSize() + "}"));
        JsonNode choice = r.get("choices").get(0);
        long[] ids = org.rlaif4j.feedback.PromptEncoding.encode(tok, prompt);
        Set<Long> eos = Set.of(tok.specialTokens().eos());
        GenerationResult g = new Generator(lm).generate(List.of(ids), GenerationConfig.greedy(5).withStopTokens(eos));
        long[] gen = g.generatedTokens(0);
        assertEquals(prompt + tok.decode(gen), choice.get("text").asText());
        assertEquals(gen.length < 5 ? "stop" : "length", choice.get("finish_reason").asText());
        JsonNode lp = choice.get("logprobs");
        assertEquals(ids.length + gen.length, lp.get("tokens").size(), "prompt (with BOS) + completion tokens");
        assertTrue(lp.get("token_logprobs").get(0).isNull(), "the first prompt token has no log-prob");
        assertTrue(lp.get("top_logprobs").get(0).isNull());
        float[] genLp = g.generatedLogProbs(0);
        for (int j = 0; j < gen.length; j++) {
            int pos = ids.length + j;
            assertEquals(genLp[j], lp.get("token_logprobs").get(pos).asDouble(), 1e-4, "log-prob of token " + j);
            double mass = 0;
            var it = lp.get("top_logprobs").get(pos).fields();
            while (it.hasNext()) {
                mass += Math.exp(it.next().getValue().asDouble());
            }
            // every token is listed; special tokens all decode to "" and share one entry, hence <= 1
            assertTrue(lp.get("top_logprobs").get(pos).size() >= tok.vocabSize() - 3, "entries at " + pos);
            assertTrue(mass > 0.5 && mass <= 1 + 1e-4, "probability mass " + mass + " at position " + pos);
            double best = lp.get("top_logprobs").get(pos).elements().next().asDouble();
            assertEquals(best, lp.get("token_logprobs").get(pos).asDouble(), 1e-6, "greedy picks the most likely token");
        }
        assertEquals(ids.length, r.get("usage").get("prompt_tokens").asInt());
        assertEquals(gen.length, r.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void stopStringsSeedsNAndModels() throws Exception {
        String greedy = ok(post(base, "/v1/completions", "{\"prompt\": \"abc\", \"max_tokens\": 12, \"temperature\": 0}"))
                .get("choices").get(0).get("text").asText();
        String stop = greedy.substring(3, 5);
        JsonNode cut = ok(post(base, "/v1/completions", "{\"prompt\": \"abc\", \"max_tokens\": 12, \"temperature\": 0, "
                + "\"stop\": [\"" + JSON.writeValueAsString(stop).replace("\"", "") + "\"], \"logprobs\": 2}"))
                .get("choices").get(0);
        assertEquals(greedy.substring(0, greedy.indexOf(stop)), cut.get("text").asText());
        assertEquals("stop", cut.get("finish_reason").asText());
        assertEquals(cut.get("text").asText().length(), cut.get("logprobs").get("tokens").size(),
                "one logprob entry per returned character token");

        String sampled = "{\"prompt\": [\"x\", \"yz\"], \"max_tokens\": 8, \"temperature\": 1.0, \"top_p\": 0.9, "
                + "\"n\": 2, \"seed\": 11}";
        JsonNode s1 = ok(post(base, "/v1/completions", sampled));
        JsonNode s2 = ok(post(base, "/v1/completions", sampled));
        assertEquals(4, s1.get("choices").size(), "2 prompts × n = 2");
        assertEquals(s1.get("choices"), s2.get("choices"), "the same seed gives the same samples");
        assertNotEquals(s1.get("choices").get(0).get("text"), s1.get("choices").get(1).get("text"),
                "the n choices of one prompt differ");

        HttpResponse<String> m = HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/models")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode models = ok(m);
        assertEquals("tiny", models.get("data").get(0).get("id").asText());
        assertEquals(256, models.get("data").get(0).get("max_model_len").asInt());
    }

    @Test
    void concurrentRequestsShareABatchAndGetTheirOwnAnswers() throws Exception {
        List<String> prompts = List.of("one", "two two", "three three three", "4");
        List<String> alone = new ArrayList<>();
        for (String p : prompts) {
            alone.add(ok(post(base, "/v1/completions", "{\"prompt\": \"" + p + "\", \"max_tokens\": 6, \"temperature\": 0}"))
                    .get("choices").get(0).get("text").asText());
        }
        long before = server.batchesRun();
        List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
        for (String p : prompts) {
            fs.add(HTTP.sendAsync(HttpRequest.newBuilder(base.resolve("/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"" + p + "\", \"max_tokens\": 6, \"temperature\": 0}"))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < prompts.size(); i++) {
            assertEquals(alone.get(i), ok(fs.get(i).get()).get("choices").get(0).get("text").asText(), prompts.get(i));
        }
        long batches = server.batchesRun() - before;
        assertTrue(batches < prompts.size(), "4 concurrent requests ran in " + batches + " model calls");
    }

    @Test
    void badRequestsGetJsonErrorsNamingTheField() throws Exception {
        record Case(String body, int status, String param, String fragment) {
        }
        List<Case> cases = List.of(
                new Case("{\"max_tokens\": 3}", 400, "prompt", "prompt: required"),
                new Case("{\"prompt\": \"a\", \"max_tokens\": -1}", 400, "max_tokens", "found -1"),
                new Case("{\"prompt\": \"a\", \"max_tokens\": 100000}", 400, "max_tokens", "[0, 512]"),
                new Case("{\"prompt\": \"a\", \"max_tokens\": 300}", 400, "max_tokens", "context of 256"),
                new Case("{\"prompt\": \"a\", \"temperature\": \"hot\"}", 400, "temperature", "expected a number"),
                new Case("{\"prompt\": \"a\", \"logprobs\": 1000}", 400, "logprobs", "found 1000"),
                new Case("{\"prompt\": \"a\", \"stream\": true}", 400, "stream", "not supported"),
                new Case("{\"prompt\": [1, 99999]}", 400, "prompt", "outside the vocabulary"),
                new Case("{\"prompt\": \"a\", \"model\": \"gpt-4\"}", 404, "model", "'gpt-4' not found"),
                new Case("{not json", 400, null, "not valid JSON"));
        for (Case c : cases) {
            HttpResponse<String> r = post(base, "/v1/completions", c.body());
            assertEquals(c.status(), r.statusCode(), c.body() + " -> " + r.body());
            JsonNode err = JSON.readTree(r.body()).get("error");
            assertTrue(err.get("message").asText().contains(c.fragment()), r.body());
            if (c.param() != null) {
                assertEquals(c.param(), err.get("param").asText(), r.body());
            }
        }
        assertEquals(404, post(base, "/v2/chat", "{}").statusCode());
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/completions")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.headers().firstValue("Allow").orElseThrow());
        HttpResponse<String> big = post(base, "/v1/completions", "{\"prompt\": \"" + "a".repeat((1 << 20) + 10) + "\"}");
        assertEquals(413, big.statusCode());
        assertTrue(big.body().contains("exceeds the limit"), big.body());
    }

    @Test
    void aFullQueueAnswers503WithRetryAfter() throws Exception {
        ServeConfig cfg = ServeConfig.defaults("tiny").withLimits(16, 1, 1 << 20);
        try (CompletionServer small = new CompletionServer(lm, tok, cfg,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            URI u = URI.create("http://127.0.0.1:" + small.port());
            List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                fs.add(HTTP.sendAsync(HttpRequest.newBuilder(u.resolve("/v1/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"p" + i + "\", \"max_tokens\": 200}"))
                        .build(), HttpResponse.BodyHandlers.ofString()));
            }
            int okCount = 0;
            int busy = 0;
            for (var f : fs) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 200) {
                    okCount++;
                } else {
                    assertEquals(503, r.statusCode(), r.body());
                    assertEquals("1", r.headers().firstValue("Retry-After").orElseThrow());
                    assertTrue(r.body().contains("server busy"), r.body());
                    busy++;
                }
            }
            assertTrue(okCount >= 1 && busy >= 1, okCount + " answered, " + busy + " refused");
        }
        assertEquals(Map.of(), Map.of()); // the server closed cleanly
    }
}
