package org.rlaif4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.feedback.PromptEncoding;
import org.rlaif4j.model.chat.ChatMessage;
import org.rlaif4j.model.tokenizer.HfTokenizer;
import org.rlaif4j.model.tokenizer.Tokenizer;
import org.rlaif4j.reward.PairEncoder;
import org.rlaif4j.reward.TruncationPolicy;
import org.rlaif4j.sft.SftBatch;
import org.rlaif4j.sft.SftExample;

/** One prompt encoding for every stage, decided by the tokenizer's post-processor; stop ids as a union. */
class PromptFormatTest {
    private static final String PROMPT = "What is 2 + 3?";

    private static long count(long[] ids, long token) {
        return Arrays.stream(ids).filter(x -> x == token).count();
    }

    /** The prompt ids each stage produces: generate/label/critique/serve, sft, train-rm (and ppo through the same textIds). */
    private static List<long[]> everyStage(PromptFormat f, Tokenizer tok) {
        long[] generate = PromptEncoding.encode(tok, PROMPT);
        SftBatch.Encoded sft = SftBatch.encode(new SftExample(PROMPT, "5"), tok, 1000);
        long[] sftPrompt = Arrays.copyOf(sft.tokens(), sft.promptTokens());
        long[] rm = new PairEncoder(f, 1000, TruncationPolicy.FAIL).encode(PROMPT, "5");
        long[] rmPrompt = Arrays.copyOf(rm, rm.length - f.responseIds("5", true).length);
        return List.of(f.promptIds(PROMPT), generate, sftPrompt, rmPrompt);
    }

    @Test
    void qwen3HasNoBosAnywhere() {
        Path dir = RealFormat.dir("qwen3-tiny");
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            assertEquals(-1, tok.specialTokens().bos(), "bos_token: null is no BOS, not config.json's bos_token_id");
            PromptFormat f = PromptFormat.load(dir, tok, ModelConfig.load(dir));
            for (long[] ids : everyStage(f, tok)) {
                assertArrayEquals(tok.encode(PROMPT), ids);
                assertEquals(0, count(ids, 151643), "no <|endoftext|> before a Qwen prompt");
            }
            assertEquals(Set.of(151645L, 151643L), f.stopIds(), "generation_config eos ∪ config eos ∪ tokenizer eos");
            assertEquals(151645L, f.endToken(), "<|im_end|> ends a response");
        }
    }

    @Test
    void llama3HasExactlyOneBosInEveryStage() {
        Path dir = RealFormat.dir("llama32-tiny");
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            PromptFormat f = PromptFormat.load(dir, tok, ModelConfig.load(dir));
            for (long[] ids : everyStage(f, tok)) {
                assertEquals(128000L, ids[0], "<|begin_of_text|> first");
                assertEquals(1, count(ids, 128000), "one BOS");
                assertArrayEquals(f.promptIds(PROMPT), ids);
            }
            assertEquals(Set.of(128001L, 128008L, 128009L), f.stopIds());
            assertEquals(128009L, f.endToken(), "<|eot_id|> ends a response");
        }
    }

    @Test
    void demoCharTokenizerKeepsItsBos() {
        var tok = new org.rlaif4j.model.tokenizer.CharTokenizer("abcdefghijklmnopqrstuvwxyz0123456789 ?+=");
        PromptFormat f = PromptFormat.plain(tok);
        for (long[] ids : everyStage(f, tok)) {
            assertEquals(1L, ids[0]);
            assertEquals(1, count(ids, 1));
        }
    }

    @Test
    void savedCharTokenizerCarriesThePostProcessor(@org.junit.jupiter.api.io.TempDir Path tmp) {
        var ch = new org.rlaif4j.model.tokenizer.CharTokenizer("abc ");
        ch.save(tmp);
        try (HfTokenizer tok = HfTokenizer.load(tmp)) {
            assertArrayEquals(ch.encodeWithSpecialTokens("ab c"), tok.encodeWithSpecialTokens("ab c"));
        }
    }

    /** A ChatML renderer written out by hand, enough to test how conversations become ids. */
    private static final PromptFormat.ChatRenderer CHATML = (ms, gen, kw) -> ms.stream()
            .map(m -> "<|im_start|>" + m.role() + "\n" + m.content() + "<|im_end|>\n").collect(Collectors.joining())
            + (gen ? "<|im_start|>assistant\n" : "");

    @Test
    void conversationalPromptsAndMultiTurnSft() {
        Path dir = RealFormat.dir("qwen3-tiny");
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            PromptFormat f = PromptFormat.load(dir, tok, ModelConfig.load(dir)).withChat(CHATML, false);
            List<ChatMessage> conv = List.of(new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello!"),
                    new ChatMessage("user", "2+3?"), new ChatMessage("assistant", "5"));
            long[] p = f.promptIds(Prompt.chat(conv.subList(0, 1)));
            assertArrayEquals(tok.encode("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"), p);
            assertArrayEquals(tok.encode(PROMPT), f.promptIds(PROMPT), "text stays text unless asked");
            assertArrayEquals(tok.encode(CHATML.render(List.of(new ChatMessage("user", PROMPT)), true, Map.of())),
                    f.withChat(CHATML, true).promptIds(PROMPT), "--chat-template wraps text as one user message");
            List<List<PromptFormat.Segment>> ex = f.conversation(conv);
            assertEquals(1, ex.size(), "ChatML renders history as generated: one sequence");
            List<PromptFormat.Segment> s = ex.get(0);
            assertEquals(4, s.size());
            assertArrayEquals(tok.encode("Hello!<|im_end|>\n"), s.get(1).ids(), "the turn as the template ends it");
            assertTrue(s.get(1).trained() && s.get(3).trained() && !s.get(0).trained() && !s.get(2).trained());
            long[] all = s.stream().flatMapToLong(x -> Arrays.stream(x.ids())).toArray();
            long[] whole = tok.encode(CHATML.render(conv, false, Map.of()));
            assertArrayEquals(whole, all, "the concatenation is the template's render of the whole conversation");
        }
    }

    @Test
    void qwen3RealTemplateSplitsAConversationWhoseHistoryItReRenders() {
        Path dir = RealFormat.dir("qwen3-tiny");
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            PromptFormat f = PromptFormat.load(dir, tok, ModelConfig.load(dir));
            assertTrue(f.hasChatTemplate());
            List<ChatMessage> conv = List.of(new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello!"),
                    new ChatMessage("user", "2+3?"), new ChatMessage("assistant", "5"));
            List<List<PromptFormat.Segment>> ex = f.conversation(conv);
            // the last turn of a render carries an empty think block; as history it has none
            assertEquals(2, ex.size());
            assertArrayEquals(tok.encode("<think>\n\n</think>\n\nHello!<|im_end|>\n"), ex.get(0).get(1).ids());
            assertArrayEquals(tok.encode("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n2+3?<|im_end|>\n"
                    + "<|im_start|>assistant\n"), ex.get(1).get(0).ids());
            assertArrayEquals(tok.encode("<think>\n\n</think>\n\n5<|im_end|>\n"), ex.get(1).get(1).ids());
            assertArrayEquals(tok.encode(f.renderChat(conv, false)), Arrays.stream(new long[][] {ex.get(1).get(0).ids(),
                    ex.get(1).get(1).ids()}).flatMapToLong(Arrays::stream).toArray());
        }
    }

    @Test
    void conversationalPromptWithoutTemplateIsRefused() {
        Path dir = RealFormat.dir("qwen3-tiny");
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            PromptFormat f = PromptFormat.load(dir, tok, ModelConfig.load(dir)).withChat(null, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> f.promptIds(Prompt.chat(List.of(new ChatMessage("user", "Hi")))));
            assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
        }
    }
}
