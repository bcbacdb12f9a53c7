package org.rlaif4j.feedback;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.model.ModelDtype;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.model.chat.ChatMessage;
import org.rlaif4j.model.tokenizer.HfTokenizer;

/**
 * A labeler on an instruct checkpoint reads the constitution's comparison as a user message of its
 * chat template, the ending opening the assistant's answer; it runs in the checkpoint's bf16.
 */
class ChatLabelerTest {
    @Test
    void comparisonIsAUserTurnAndTheEndingStartsTheAnswer() {
        Path dir = org.rlaif4j.model.RealFormat.dir("qwen3-tiny");
        Constitution c = Constitution.defaults();
        assertEquals(ScalarType.BFloat16, ModelDtype.saved(dir), "the fixture is a bf16 checkpoint");
        try (LocalLmLabeler l = LocalLmLabeler.load(dir, c, LabelerOptions.defaults(), ModelDtype.saved(dir));
             HfTokenizer tok = HfTokenizer.load(dir)) {
            assertEquals(ScalarType.BFloat16, l.model().backbone().dtype());
            String text = PreferencePrompts.comparison(c, c.principlesFor("p"), "What is 2+2?", "4", "five", false);
            assertTrue(text.endsWith(c.ending()));
            String body = text.substring(0, text.length() - c.ending().length()).stripTrailing();
            long[] head = PromptFormat.load(dir, tok, null).promptIds(Prompt.chat(List.of(new ChatMessage("user", body))));
            long[] tail = tok.encode(c.ending());
            long[] want = Arrays.copyOf(head, head.length + tail.length);
            System.arraycopy(tail, 0, want, head.length, tail.length);
            assertArrayEquals(want, l.encodePrompt(text));
            assertEquals(tok.encode("<|im_start|>")[0], want[0], "the template opens the user turn");
            // labels are probabilities read after the ending, both orders averaged
            List<PreferenceLabel> labels = l.label(List.of(new PairRecord("p", "What is 2+2?", "4", "five")));
            double p = labels.get(0).pA();
            assertTrue(p > 0 && p < 1, "p_a = " + p);
        }
    }
}
