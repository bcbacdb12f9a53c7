package org.rlaif4j.model.chat;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.model.RealFormat;
import org.rlaif4j.model.tokenizer.HfTokenizer;

/**
 * Chat templates against the reference renders of Hugging Face's own Jinja and tokenizer
 * ({@code fixtures/real-format/chat}): the text exactly, and its token ids.
 */
class ChatTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static List<ChatMessage> messages(JsonNode entry) {
        List<ChatMessage> out = new ArrayList<>();
        entry.get("messages").forEach(m -> out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText())));
        return out;
    }

    static Map<String, Object> kwargs(JsonNode entry) {
        Map<String, Object> kw = new LinkedHashMap<>();
        entry.path("kwargs").fields().forEachRemaining(e -> kw.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class)));
        return kw;
    }

    @ParameterizedTest
    @CsvSource({"qwen3.json, qwen3-tiny", "llama3_1.json, llama32-tiny"})
    void rendersAndTokenizesEveryReferenceConversationExactly(String renders, String model) throws Exception {
        Path dir = RealFormat.dir(model);
        ChatTemplate t = ChatTemplate.load(dir);
        assertNotNull(t, model + " has a chat template");
        HfTokenizer tok = HfTokenizer.load(dir);
        JsonNode entries = JSON.readTree(RealFormat.dir("chat").resolve(renders).toFile());
        assertTrue(entries.size() >= 6);
        for (JsonNode e : entries) {
            String text = t.render(messages(e), e.get("add_generation_prompt").asBoolean(), kwargs(e));
            assertEquals(e.get("text").asText(), text, renders + " " + e.get("id"));
            long[] want = JSON.convertValue(e.get("input_ids"), long[].class);
            assertArrayEquals(want, tok.encode(text), renders + " " + e.get("id") + " ids");
        }
    }

    @Test
    void gemma3TemplateMergesTheSystemTurnAndTrimsContent() throws Exception {
        ChatTemplate t = new ChatTemplate("gemma3.jinja", resource("gemma3.jinja"), Map.of("bos_token", "<bos>"));
        JsonNode entries = JSON.readTree(RealFormat.dir("chat").resolve("gemma3.json").toFile());
        for (JsonNode e : entries) {
            assertEquals(e.get("text").asText(), t.render(messages(e), e.get("add_generation_prompt").asBoolean(), kwargs(e)),
                    "gemma3 " + e.get("id"));
        }
    }

    @Test
    void aTemplatesOwnRaiseExceptionBecomesAnErrorNamingTheSourceAndLine() throws Exception {
        ChatTemplate t = new ChatTemplate("gemma3.jinja", resource("gemma3.jinja"), Map.of("bos_token", "<bos>"));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(
                List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b")), true, Map.of()));
        assertTrue(e.getMessage().startsWith("gemma3.jinja, line 15: "), e.getMessage());
        assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
    }

    @Test
    void qwen3ThinkingSwitchAndPastReasoning() {
        ChatTemplate t = ChatTemplate.load(RealFormat.dir("qwen3-tiny"));
        List<ChatMessage> q = List.of(new ChatMessage("user", "Hi"));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                t.render(q, true, Map.of("enable_thinking", false)));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", t.render(q, true, Map.of("enable_thinking", true)));
        // reasoning of an earlier turn is dropped, the last turn's is kept (split, rstrip, lstrip on strings)
        List<ChatMessage> conv = List.of(new ChatMessage("user", "A"),
                new ChatMessage("assistant", "<think>\nold\n</think>\n\nfirst"), new ChatMessage("user", "B"),
                new ChatMessage("assistant", "<think>\nnew\n</think>\n\nsecond"));
        assertEquals("<|im_start|>user\nA<|im_end|>\n<|im_start|>assistant\nfirst<|im_end|>\n<|im_start|>user\nB<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nnew\n</think>\n\nsecond<|im_end|>\n", t.render(conv, false, Map.of()));
    }

    @Test
    void templateFilesAndNamedTemplatesAreFound() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.writeString(a.resolve("tokenizer_config.json"), "{\"bos_token\": {\"content\": \"<s>\"}, \"chat_template\": "
                + "[{\"name\": \"tool_use\", \"template\": \"T\"}, {\"name\": \"default\", \"template\": \"{{ bos_token }}"
                + "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}\"}]}");
        assertEquals("<s>[user]x", ChatTemplate.load(a).render(List.of(new ChatMessage("user", "x")), false, Map.of()));
        // chat_template.jinja wins over tokenizer_config.json, as in transformers
        Files.writeString(a.resolve("chat_template.jinja"), "J{{ messages|length }}\n");
        assertEquals("J1", ChatTemplate.load(a).render(List.of(new ChatMessage("user", "x")), false, Map.of()));
        Path none = Files.createDirectories(tmp.resolve("none"));
        Files.writeString(none.resolve("tokenizer_config.json"), "{}");
        assertNull(ChatTemplate.load(none));
    }

    @Test
    void pythonMethodsAndTojsonBehaveAsInPython() {
        ChatTemplate t = new ChatTemplate("t", "{{ 'a,b,,c'.split(',') | tojson }}|{{ '  x y  '.split() | tojson }}|"
                + "{{ 'xxhixx'.strip('x') }}|{{ 'Hi'.startswith(('a', 'H')) }}|{{ 'a-b-c'.replace('-', '+', 1) }}|"
                + "{{ {'k': [1, 2.0, none, true], 'é': \"q\\\"\"} | tojson }}|{{ [3,2,1][::-1] | join(',') }}", Map.of());
        assertEquals("[\"a\", \"b\", \"\", \"c\"]|[\"x\", \"y\"]|hi|true|a+b-c|{\"k\": [1, 2.0, null, true], \"é\": \"q\\\"\"}|1,2,3",
                t.render(List.of(), false, Map.of()));
    }

    @Test
    void namedArgumentsTakeWholeExpressionsAndDictsIterateAsInPython() {
        ChatTemplate t = new ChatTemplate("t", "{% set ns = namespace(last=messages|length - 1, n=2 * 3 + 1) %}"
                + "{{ ns.last }},{{ ns.n }}|{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"
                + "{% for k in {'c': 1} %}{{ k }}{% endfor %}|{{ nothing is defined }}|{{ messages[-1].content }}|"
                + "{{ {'x': 1}.get('y', 'dflt') }}|{{ 'a==b' if 1 == 1 else 'no' }}", Map.of());
        assertEquals("1,7|a=1;b=2;c|false|b|dflt|a==b",
                t.render(List.of(new ChatMessage("user", "a"), new ChatMessage("assistant", "b")), false, Map.of()));
        assertEquals("a=b {{ f(a=(x - 1), b=(g(c=(2))), d == e, 's=t') }}",
                ExpressionRewriter.rewrite("a=b {{ f(a=x - 1, b=g(c=2), d == e, 's=t') }}"));
    }

    @Test
    void aMalformedTemplateIsRefusedWithItsSourceAndLine() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> new ChatTemplate("bad.jinja", "line one\n{% for m in messages %}\n{{ m.content }}\n", Map.of()));
        assertTrue(e.getMessage().startsWith("bad.jinja, line "), e.getMessage());
    }

    private static String resource(String name) throws Exception {
        return new String(ChatTemplateTest.class.getResourceAsStream("/chat/" + name).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
