package org.rlaif4j.sft;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.tokenizer.CharTokenizer;
import org.rlaif4j.report.MetricsLog;
import org.rlaif4j.train.Losses;

class SftTest {
    private static final CharTokenizer TOK = new CharTokenizer("abcdefgh");

    @TempDir
    Path tmp;

    /** The tiny Llama (vocabulary of {@link #TOK}) the SFT tests train; also used by the resume and DDP tests. */
    static CausalLm tiny(long seed) throws Exception {
        return CausalLm.random(ModelConfig.fromJson((ObjectNode) new ObjectMapper().readTree("{\"model_type\":\"llama\","
                + "\"vocab_size\":12,\"hidden_size\":32,\"num_hidden_layers\":2,\"num_attention_heads\":4,"
                + "\"num_key_value_heads\":2,\"intermediate_size\":64,\"max_position_embeddings\":32,"
                + "\"tie_word_embeddings\":false,\"bos_token_id\":1,\"eos_token_id\":2,\"pad_token_id\":0}")), seed);
    }

    @Test
    void encodingMarksOnlyResponseTokensAndTruncatesThePromptFirst() {
        SftBatch.Encoded e = SftBatch.encode(new SftExample("ab", "cd"), TOK, 16);
        // <bos>=1 a=4 b=5 | c=6 d=7 <eos>=2
        assertArrayEquals(new long[] {1, 4, 5, 6, 7, 2}, e.tokens());
        assertEquals(3, e.promptTokens());
        SftBatch b = SftBatch.of(List.of(e, SftBatch.encode(new SftExample("h", "e"), TOK, 16)), 0);
        assertArrayEquals(new long[] {1, 4, 5, 6, 7, 2, 1, 11, 8, 2, 0, 0}, Ops.toLongs(b.ids()));
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, Ops.toLongs(b.attentionMask()));
        assertArrayEquals(new long[] {0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0}, Ops.toLongs(b.lossMask()));
        assertEquals(5, b.targetTokens());
        SftBatch.Encoded cut = SftBatch.encode(new SftExample("abcdef", "gh"), TOK, 5);
        assertArrayEquals(new long[] {8, 9, 10, 11, 2}, cut.tokens(), "prompt cut from its start, response kept");
        assertEquals(2, cut.promptTokens());
        SftBatch.Encoded longResponse = SftBatch.encode(new SftExample("ab", "cdefgh"), TOK, 4);
        assertArrayEquals(new long[] {5, 6, 7, 8}, longResponse.tokens(), "one prompt token kept, response cut at its end");
    }

    @Test
    void theLossCountsResponsePredictionsOnly() throws Exception {
        CausalLm lm = tiny(3);
        SftBatch b = SftBatch.of(List.of(SftBatch.encode(new SftExample("abc", "de"), TOK, 16),
                SftBatch.encode(new SftExample("h", "fgh"), TOK, 16)), 0);
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor logits = lm.logits(b.ids(), b.attentionMask());
            double loss = Losses.causalLm(logits, b.ids(), b.lossMask()).item_double();
            float[] l = Ops.toFloats(logits);
            long[] ids = Ops.toLongs(b.ids());
            long[] m = Ops.toLongs(b.lossMask());
            int t = (int) b.ids().size(1);
            int v = 12;
            double sum = 0;
            int count = 0;
            for (int row = 0; row < 2; row++) {
                for (int j = 1; j < t; j++) {
                    if (m[row * t + j] == 0) {
                        continue;
                    }
                    int base = (row * t + j - 1) * v;  // position j - 1 predicts token j
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < v; k++) {
                        max = Math.max(max, l[base + k]);
                    }
                    double z = 0;
                    for (int k = 0; k < v; k++) {
                        z += Math.exp(l[base + k] - max);
                    }
                    sum += -(l[base + (int) ids[row * t + j]] - max - Math.log(z));
                    count++;
                }
            }
            assertEquals(3 + 4, count, "d e eos + f g h eos");
            assertEquals(sum / count, loss, 1e-5);
        }
    }

    @Test
    void trainingLowersTrainAndEvalLossAndWritesCheckpointsAndMetrics() throws Exception {
        List<SftExample> train = new ArrayList<>();
        String[] prompts = {"ab", "cd", "ef", "gh", "ba", "dc", "fe", "hg"};
        for (String p : prompts) {
            train.add(new SftExample(p, new StringBuilder(p).reverse() + "e")); // a learnable rule
        }
        List<SftExample> eval = List.of(new SftExample("ac", "cae"), new SftExample("hb", "bhe"));
        CausalLm lm = tiny(7);
        SftConfig cfg = SftConfig.defaults().withEpochs(25).withBatch(4, 2).withLr(1e-2, 5).withSchedule(0, 10);
        SftTrainer trainer = new SftTrainer(lm, TOK, cfg);
        double evalBefore = trainer.evalLoss(trainer.encodeAll(eval), 0);
        SftTrainer.Result r = trainer.train(train, eval, tmp, true, new PrintStream(new ByteArrayOutputStream()));
        List<Map<String, Double>> rows = r.metrics();
        assertEquals(50, rows.size(), "2 steps per epoch x 25 epochs");
        double first = rows.get(0).get("loss");
        double last = rows.get(rows.size() - 1).get("loss");
        assertTrue(last < 0.3 * first, "train loss " + first + " -> " + last);
        assertTrue(r.finalEvalLoss() < evalBefore, "eval loss " + evalBefore + " -> " + r.finalEvalLoss());
        assertEquals(rows.size(), MetricsLog.read(tmp.resolve("metrics.jsonl")).size());
        assertTrue(Files.size(tmp.resolve("metrics.png")) > 0);
        assertTrue(Files.readString(tmp.resolve("metrics.csv")).startsWith("step,epoch,loss,grad_norm,lr,tokens_per_s"));
        CausalLm back = CausalLm.load(r.finalModel());
        assertTrue(back.lmHead().equal(lm.lmHead()), "final checkpoint holds the trained weights");
        try (var s = Files.list(tmp.resolve("checkpoints"))) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("latest", "step-000030", "step-000040"), names, "saved every 10 steps, last 2 kept");
        }
    }
}
