package org.rlaif4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    private static CausalLm gpt2;
    private static CausalLm llama;
    private static final List<long[]> PROMPTS = List.of(
            new long[] {5, 17, 33, 2, 9, 41, 8},
            new long[] {60, 3},
            new long[] {11, 12, 13, 14});

    @BeforeAll
    static void load() {
        gpt2 = CausalLm.load(Fixtures.dir(Fixtures.GPT2));
        llama = CausalLm.load(Fixtures.dir(Fixtures.LLAMA));
    }

    private static void assertClose(float[] a, float[] b, double tol, String what) {
        assertEquals(a.length, b.length, what);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], tol, what + " at " + i);
        }
    }

    @Test
    void kvCacheGivesTheSameTokensAndLogProbsAsRecomputation() {
        for (CausalLm lm : List.of(gpt2, llama)) {
            for (GenerationConfig cfg : List.of(GenerationConfig.greedy(12),
                    GenerationConfig.sampling(12, 0.8, 20, 0.95, 3))) {
                GenerationResult cached = new Generator(lm).generate(PROMPTS, cfg);
                GenerationResult full = new Generator(lm).generate(PROMPTS, cfg.withKvCache(false));
                assertTrue(cached.sequences().equal(full.sequences()), lm.config().modelType() + " tokens differ");
                assertTrue(cached.attentionMask().equal(full.attentionMask()));
                assertClose(Ops.toFloats(cached.logProbs()), Ops.toFloats(full.logProbs()), 1e-4, "log-probs");
            }
        }
    }

    @Test
    void leftPaddedRowsMatchTheRowAlone() {
        for (CausalLm lm : List.of(gpt2, llama)) {
            GenerationResult batch = new Generator(lm).generate(PROMPTS, GenerationConfig.greedy(10));
            assertEquals(7, batch.promptLength());
            long[] mask = Ops.toLongs(batch.attentionMask().select(0, 1));
            assertEquals(0, mask[0], "short prompt is left-padded");
            assertEquals(1, mask[5]);
            for (int i = 0; i < PROMPTS.size(); i++) {
                GenerationResult alone = new Generator(lm).generate(List.of(PROMPTS.get(i)), GenerationConfig.greedy(10));
                assertArrayEquals(alone.generatedTokens(0), batch.generatedTokens(i), "row " + i);
                assertClose(alone.generatedLogProbs(0), batch.generatedLogProbs(i), 1e-4, "row " + i);
            }
        }
    }

    @Test
    void logProbsAreThoseOfAFullForwardPass() {
        GenerationResult r = new Generator(llama).generate(PROMPTS, GenerationConfig.sampling(8, 1.3, 0, 0.9, 11));
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor seq = r.sequences();
            int p = r.promptLength();
            int n = r.generatedLength();
            Tensor logits = llama.logits(seq, r.attentionMask());                   // [B, P+N, V]
            Tensor lp = torch.log_softmax(logits.narrow(1, p - 1, n), -1)
                    .gather(2, seq.narrow(1, p, n).unsqueeze(2)).squeeze(2);      // [B, N]
            assertClose(Ops.toFloats(lp), Ops.toFloats(r.logProbs()), 1e-4, "log-probs");
        }
    }

    @Test
    void samplingLogProbsAreThoseOfTheDistributionTheTokensWereDrawnFrom() {
        double temp = 0.7;
        double topP = 0.8;
        GenerationResult r = new Generator(llama).generate(PROMPTS, GenerationConfig.sampling(8, temp, 0, 1.0, 13));
        GenerationResult nucleus = new Generator(llama).generate(PROMPTS, GenerationConfig.sampling(8, temp, 0, topP, 13));
        try (NoGradGuard g = new NoGradGuard()) {
            for (GenerationResult x : List.of(r, nucleus)) {
                int p = x.promptLength();
                int n = x.generatedLength();
                Tensor logits = llama.logits(x.sequences(), x.attentionMask()).narrow(1, p - 1, n).div(
                        new org.bytedeco.pytorch.Scalar(temp));                          // [B, N, V] at the temperature
                float[] all = Ops.toFloats(torch.log_softmax(logits, -1).contiguous());
                long[] seq = Ops.toLongs(x.sequences());
                long[] mask = Ops.toLongs(x.attentionMask());
                float[] got = Ops.toFloats(x.samplingLogProbs());
                int v = (int) logits.size(2);
                int w = p + n;
                for (int i = 0; i < PROMPTS.size(); i++) {
                    for (int t = 0; t < n; t++) {
                        if (mask[i * w + p + t] == 0) {
                            assertEquals(0f, got[i * n + t], "after the stop token");
                            continue;
                        }
                        int base = (i * n + t) * v;
                        double want = all[base + (int) seq[i * w + p + t]];
                        if (x == nucleus) { // renormalised over the smallest prefix of the sorted probabilities reaching p
                            double[] pr = new double[v];
                            for (int j = 0; j < v; j++) {
                                pr[j] = Math.exp(all[base + j]);
                            }
                            double[] sorted = pr.clone();
                            java.util.Arrays.sort(sorted);
                            double cum = 0;
                            for (int j = v - 1; j >= 0; j--) {
                                cum += sorted[j];
                                if (cum >= topP) {
                                    break;
                                }
                            }
                            want -= Math.log(cum);
                        }
                        assertEquals(want, got[i * n + t], 1e-4, (x == r ? "temperature" : "top-p") + " row " + i + " step " + t);
                    }
                }
            }
        }
        GenerationResult k1 = new Generator(llama).generate(PROMPTS, GenerationConfig.sampling(6, 0.7, 1, 1.0, 5));
        for (float f : Ops.toFloats(k1.samplingLogProbs())) {
            assertEquals(0f, f, 1e-6f, "top-k 1 draws with probability 1");
        }
        for (float f : Ops.toFloats(new Generator(llama).generate(PROMPTS, GenerationConfig.greedy(6)).samplingLogProbs())) {
            assertEquals(0f, f, "greedy");
        }
    }

    @Test
    void theSameSeedGivesTheSameSamples() {
        GenerationConfig cfg = GenerationConfig.sampling(16, 1.0, 0, 1.0, 42);
        GenerationResult a = new Generator(gpt2).generate(PROMPTS, cfg);
        GenerationResult b = new Generator(gpt2).generate(PROMPTS, cfg);
        GenerationResult c = new Generator(gpt2).generate(PROMPTS, cfg.withSeed(43));
        assertTrue(a.sequences().equal(b.sequences()));
        assertTrue(a.logProbs().equal(b.logProbs()));
        assertFalse(a.sequences().equal(c.sequences()), "another seed should give other samples");
        GenerationResult greedy = new Generator(gpt2).generate(PROMPTS, GenerationConfig.greedy(16));
        assertFalse(a.sequences().equal(greedy.sequences()), "temperature 1 sampling should not be greedy");
    }

    @Test
    void topKOfOneIsGreedy() {
        GenerationResult k1 = new Generator(llama).generate(PROMPTS, GenerationConfig.sampling(10, 0.7, 1, 1.0, 5));
        GenerationResult greedy = new Generator(llama).generate(PROMPTS, GenerationConfig.greedy(10));
        assertTrue(k1.sequences().equal(greedy.sequences()));
        GenerationResult tinyP = new Generator(llama).generate(PROMPTS, GenerationConfig.sampling(10, 1.0, 0, 1e-6, 5));
        assertTrue(tinyP.sequences().equal(greedy.sequences()), "top-p near 0 keeps only the most likely token");
    }

    @Test
    void stopTokensFinishRowsAndStreamingSeesEveryStep() {
        GenerationResult free = new Generator(gpt2).generate(PROMPTS, GenerationConfig.greedy(10));
        long stop = free.generatedTokens(0)[2];
        List<long[]> streamed = new ArrayList<>();
        GenerationResult r = new Generator(gpt2).generate(PROMPTS, GenerationConfig.greedy(10).withStopTokens(Set.of(stop)),
                (step, tokens, finished) -> streamed.add(tokens));
        long[] row0 = r.generatedTokens(0);
        assertTrue(row0.length <= 3, "row 0 stops at its stop token");
        assertEquals(stop, row0[row0.length - 1]);
        float[] lp = Ops.toFloats(r.logProbs().select(0, 0));
        for (int j = row0.length; j < lp.length; j++) {
            assertEquals(0f, lp[j], "log-prob after the stop token");
        }
        assertEquals(r.generatedLength(), streamed.size());
        for (int j = 0; j < streamed.size(); j++) {
            long[] col = Ops.toLongs(r.sequences().select(1, r.promptLength() + j));
            assertArrayEquals(col, streamed.get(j), "step " + j);
        }
    }

    @Test
    void invalidRequestsAreRejected() {
        Generator g = new Generator(gpt2);
        assertThrows(IllegalArgumentException.class, () -> g.generate(List.of(), GenerationConfig.greedy(2)));
        assertThrows(IllegalArgumentException.class, () -> g.generate(List.of(new long[0]), GenerationConfig.greedy(2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.generate(PROMPTS, GenerationConfig.greedy(60)));
        assertTrue(e.getMessage().contains("max_position_embeddings"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GenerationConfig.sampling(4, 0, 0, 1, 1));
    }
}
