package org.rlaif4j.serve;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.model.RealFormat;
import org.rlaif4j.model.tokenizer.HfTokenizer;

/**
 * {@code POST /v1/chat/completions} on the real-format Llama 3.2 checkpoint: messages rendered by its
 * chat template (the reference render's ids), sampled as {@code /v1/completions} samples those ids.
 */
class ChatCompletionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static HfTokenizer tok;
    static CompletionServer server;
    static URI base;

    @BeforeAll
    static void start() throws Exception {
        Path dir = RealFormat.dir("llama32-tiny");
        CausalLm lm = CausalLm.load(dir);
        tok = HfTokenizer.load(dir);
        PromptFormat f = PromptFormat.load(dir, tok, lm.config());
        server = new CompletionServer(lm, f, ServeConfig.defaults("llama"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        base = URI.create("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
        tok.close();
    }

    @Test
    void rendersTheMessagesWithTheTemplateAndAnswersInTheChatSchema() throws Exception {
        JsonNode ref = null;
        for (JsonNode e : JSON.readTree(RealFormat.dir("chat").resolve("llama3_1.json").toFile())) {
            if (e.get("id").asText().equals("system-user")) {
                ref = e;
            }
        }
        String messages = JSON.writeValueAsString(ref.get("messages"));
        HttpResponse<String> r = CompletionServerTest.post(base, "/v1/chat/completions",
                "{\"model\": \"llama\", \"messages\": " + messages + ", \"max_completion_tokens\": 6, \"temperature\": 0}");
        JsonNode chat = CompletionServerTest.ok(r);
        assertEquals("chat.completion", chat.get("object").asText());
        assertTrue(chat.get("id").asText().startsWith("chatcmpl-"));
        JsonNode choice = chat.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertEquals(ref.get("input_ids").size(), chat.get("usage").get("prompt_tokens").asInt(),
                "the prompt is the template's render with the generation prompt");
        // the same ids through /v1/completions give the same greedy text
        JsonNode plain = CompletionServerTest.ok(CompletionServerTest.post(base, "/v1/completions",
                "{\"prompt\": " + ref.get("input_ids") + ", \"max_tokens\": 6, \"temperature\": 0}"));
        assertEquals(plain.get("choices").get(0).get("text").asText(), choice.get("message").get("content").asText());
        assertEquals(plain.get("choices").get(0).get("finish_reason").asText(), choice.get("finish_reason").asText());
    }

    @Test
    void badMessagesAre400sNamingTheField() throws Exception {
        HttpResponse<String> r = CompletionServerTest.post(base, "/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"wizard\", \"content\": \"x\"}]}");
        assertEquals(400, r.statusCode(), r.body());
        JsonNode err = JSON.readTree(r.body()).get("error");
        assertEquals("messages", err.get("param").asText(), r.body());
        assertTrue(err.get("message").asText().contains("unknown role 'wizard'"), r.body());
        r = CompletionServerTest.post(base, "/v1/chat/completions", "{\"max_tokens\": 3}");
        assertEquals(400, r.statusCode(), r.body());
        r = CompletionServerTest.post(base, "/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"logprobs\": true}");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("logprobs"), r.body());
    }
}
