package org.rlaif4j.data;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlaif4j.model.chat.ChatMessage;

/** TRL's standard and conversational formats, read and written back in the same form. */
class PromptTest {
    private static ObjectNode line(String json) {
        return Jsonl.parseObject(json);
    }

    @Test
    void conversationalPairRoundTrips() {
        ObjectNode o = line("{\"id\":\"x\",\"prompt\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hi\"}],\"response_a\":[{\"role\":\"assistant\",\"content\":\"Hello\"}],"
                + "\"response_b\":\"Hey\"}");
        PairRecord p = PairRecord.fromJson(o, 1);
        assertTrue(p.prompt().isChat());
        assertEquals(List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi")), p.prompt().messages());
        assertEquals("Hello", p.responseA());
        assertEquals("Hey", p.responseB());
        ObjectNode back = p.toJson();
        assertTrue(back.get("prompt").isArray());
        assertEquals("assistant", back.get("response_b").get(0).get("role").asText(), "written in the conversational form");
        assertEquals(p, PairRecord.fromJson(back, 1));
        assertEquals("system: Be brief.\n\nuser: Hi", p.prompt().asText());
    }

    @Test
    void preferenceChosenRejectedAsMessageLists() {
        PreferenceRecord r = PreferenceRecord.fromJson(line("{\"prompt\":[{\"role\":\"user\",\"content\":\"Q\"}],"
                + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"good\"}],"
                + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"bad\"}]}"), 3);
        assertEquals("good", r.chosen());
        assertEquals("bad", r.rejected());
        assertEquals("Q", r.prompt().asText());
        assertEquals(r, PreferenceRecord.fromJson(r.toJson(), 3));
    }

    @Test
    void textPromptsStayStrings() {
        PairRecord p = PairRecord.fromJson(line("{\"prompt\":\"Q\",\"response_a\":\"a\",\"response_b\":\"b\"}"), 2);
        assertFalse(p.prompt().isChat());
        assertTrue(p.toJson().get("prompt").isTextual());
        assertTrue(p.toJson().get("response_a").isTextual());
    }

    @Test
    void badConversationsNameTheMessage() {
        String[][] cases = {
            {"{\"prompt\":[{\"role\":\"wizard\",\"content\":\"x\"}],\"response_a\":\"a\",\"response_b\":\"b\"}", "message 0: unknown role 'wizard'"},
            {"{\"prompt\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"user\"}],\"response_a\":\"a\",\"response_b\":\"b\"}", "message 1: expected a string 'content'"},
            {"{\"prompt\":[],\"response_a\":\"a\",\"response_b\":\"b\"}", "empty list of messages"},
            {"{\"prompt\":[\"hi\"],\"response_a\":\"a\",\"response_b\":\"b\"}", "message 0: expected an object"},
            {"{\"prompt\":\"q\",\"response_a\":[{\"role\":\"user\",\"content\":\"a\"}],\"response_b\":\"b\"}", "expected one assistant message"},
            {"{\"prompt\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_b\":\"b\"}", "missing field 'response_a'"},
        };
        for (String[] c : cases) {
            DataFormatException e = assertThrows(DataFormatException.class, () -> PairRecord.fromJson(line(c[0]), 1), c[0]);
            assertTrue(e.getMessage().contains(c[1]), "expected '" + c[1] + "' in: " + e.getMessage());
        }
    }
}
