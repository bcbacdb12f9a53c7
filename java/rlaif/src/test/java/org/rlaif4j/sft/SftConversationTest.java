package org.rlaif4j.sft;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.model.RealFormat;
import org.rlaif4j.model.chat.ChatMessage;
import org.rlaif4j.model.tokenizer.HfTokenizer;

/** SFT on TRL's conversational formats, encoded through the real checkpoints' chat templates. */
class SftConversationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static SftExample parse(String json) throws Exception {
        return SftExample.fromJson((ObjectNode) JSON.readTree(json));
    }

    @Test
    void readsEveryDatasetFormat() throws Exception {
        SftExample conv = parse("{\"messages\": [{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": \"U\"},"
                + " {\"role\": \"assistant\", \"content\": \"A\"}]}");
        assertTrue(conv.isConversation());
        assertEquals(3, conv.conversation().size());
        SftExample pc = parse("{\"prompt\": [{\"role\": \"user\", \"content\": \"U\"}], \"completion\": "
                + "[{\"role\": \"assistant\", \"content\": \"A\"}]}");
        assertEquals(Prompt.chat(List.of(new ChatMessage("user", "U"))), pc.prompt());
        assertEquals("A", pc.response());
        assertEquals("r", parse("{\"prompt\": \"p\", \"response\": \"r\"}").response());
        assertEquals("c", parse("{\"prompt\": \"p\", \"completion\": \"c\"}").response());
        DataFormatException e = assertThrows(DataFormatException.class, () -> parse(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"U\"}, {\"role\": \"robot\", \"content\": \"A\"}]}"));
        assertTrue(e.getMessage().contains("message 1") && e.getMessage().contains("unknown role 'robot'"), e.getMessage());
        e = assertThrows(DataFormatException.class, () -> parse("{\"messages\": [{\"role\": \"user\", \"content\": \"U\"}]}"));
        assertTrue(e.getMessage().contains("at least one assistant turn"), e.getMessage());
        e = assertThrows(DataFormatException.class, () -> parse("{\"messages\": [], \"prompt\": \"p\"}"));
        assertTrue(e.getMessage().contains("found both"), e.getMessage());
    }

    @Test
    void llama3ConversationIsOneSequenceTrainedOnEveryAssistantTurn() {
        Path dir = RealFormat.dir("llama32-tiny");
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            PromptFormat f = PromptFormat.load(dir, tok, ModelConfig.load(dir));
            List<ChatMessage> conv = List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi"),
                    new ChatMessage("assistant", "Hello!"), new ChatMessage("user", "2+3?"), new ChatMessage("assistant", "5"));
            List<SftBatch.Encoded> rows = SftBatch.encode(SftExample.conversation(conv), f, 4096);
            assertEquals(1, rows.size());
            SftBatch.Encoded e = rows.get(0);
            assertArrayEquals(tok.encode(f.renderChat(conv, false)), e.tokens(), "the template's render, one BOS");
            assertEquals(1, Arrays.stream(e.tokens()).filter(t -> t == 128000).count());
            // trained: "Hello!<|eot_id|>" and "5<|eot_id|>", nothing else
            long[] trained = trainedTokens(e);
            long[] want = concat(tok.encode("Hello!<|eot_id|>"), tok.encode("5<|eot_id|>"));
            assertArrayEquals(want, trained);
            // a prompt-completion pair with a conversational prompt trains the completion only
            SftBatch.Encoded pc = SftBatch.encode(new SftExample(Prompt.chat(conv.subList(0, 4)), "5"), f, 4096).get(0);
            assertArrayEquals(e.tokens(), pc.tokens());
            assertArrayEquals(tok.encode("5<|eot_id|>"), trainedTokens(pc));
            // too long: the untrained start goes first
            SftBatch.Encoded cut = SftBatch.encode(SftExample.conversation(conv), f, e.tokens().length - 3).get(0);
            assertArrayEquals(Arrays.copyOfRange(e.tokens(), 3, e.tokens().length), cut.tokens());
        }
    }

    @Test
    void qwen3ConversationWhoseHistoryIsReRenderedBecomesOneRowPerTurn() {
        Path dir = RealFormat.dir("qwen3-tiny");
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            PromptFormat f = PromptFormat.load(dir, tok, ModelConfig.load(dir));
            List<ChatMessage> conv = List.of(new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello!"),
                    new ChatMessage("user", "2+3?"), new ChatMessage("assistant", "5"));
            List<SftBatch.Encoded> rows = SftBatch.encode(SftExample.conversation(conv), f, 4096);
            assertEquals(2, rows.size());
            assertArrayEquals(tok.encode(f.renderChat(conv, false)), rows.get(1).tokens());
            assertArrayEquals(tok.encode("<think>\n\n</think>\n\n5<|im_end|>\n"), trainedTokens(rows.get(1)));
        }
    }

    private static long[] trainedTokens(SftBatch.Encoded e) {
        return java.util.stream.IntStream.range(0, e.tokens().length).filter(i -> e.trained()[i])
                .mapToLong(i -> e.tokens()[i]).toArray();
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
