package org.rlaif4j.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.feedback.PromptEncoding;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.GenerationConfig;
import org.rlaif4j.model.GenerationResult;
import org.rlaif4j.model.Generator;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.tokenizer.Tokenizer;

/**
 * Runs batches of {@link SequenceJob}s through a causal LM: generation with {@link Generator}, then,
 * for sequences that asked for log-probs, one scoring pass over prompt + completion that reads the
 * log-softmax of the raw logits (temperature 1, no filtering, as OpenAI reports them) at each
 * returned position. Not thread-safe: the batcher calls it from one thread.
 */
final class CompletionEngine {
    private final CausalLm lm;
    private final Tokenizer tokenizer;
    private final Set<Long> stopTokens = new HashSet<>();

    CompletionEngine(CausalLm lm, Tokenizer tokenizer) {
        this(lm, tokenizer, Set.of());
    }

    /** With {@code moreStops} too (a checkpoint's generation_config.json eos, such as a chat turn's end). */
    CompletionEngine(CausalLm lm, Tokenizer tokenizer, Set<Long> moreStops) {
        this.lm = lm;
        stopTokens.addAll(moreStops);
        this.tokenizer = tokenizer;
        lm.config().eosTokenIds().forEach(e -> stopTokens.add((long) e));
        if (tokenizer.specialTokens().eos() >= 0) {
            stopTokens.add(tokenizer.specialTokens().eos());
        }
    }

    int contextLength() {
        return lm.config().maxPositions();
    }

    int vocabSize() {
        return tokenizer.vocabSize();
    }

    /** The prompt's tokens as the model expects them (with BOS for Llama-style tokenizers, as the local labeler does). */
    long[] encode(String prompt) {
        return PromptEncoding.encode(tokenizer, prompt);
    }

    String decode(long[] ids) {
        return tokenizer.decode(ids);
    }

    /**
     * Completes jobs that share a {@link SequenceJob.BatchKey} and fit the context together
     * (longest prompt + largest max_tokens).
     */
    List<Choice> run(List<SequenceJob> jobs, long seed) {
        int b = jobs.size();
        int n = jobs.stream().mapToInt(j -> j.request().maxTokens()).max().orElseThrow();
        CompletionRequest first = jobs.get(0).request();
        List<long[]> kept = new ArrayList<>(b);
        String[] finish = new String[b];
        String[] texts = new String[b];
        try (PointerScope scope = new PointerScope()) {
            GenerationResult gen = null;
            if (n > 0) {
                GenerationConfig cfg = first.greedy() ? GenerationConfig.greedy(n)
                        : GenerationConfig.sampling(n, first.temperature(), first.topK(), first.topP(), seed);
                cfg = cfg.withStopTokens(stopTokens).withPadTokenId(tokenizer.specialTokens().padOrEos());
                gen = new Generator(lm).generate(jobs.stream().map(SequenceJob::promptIds).toList(), cfg);
            }
            for (int i = 0; i < b; i++) {
                CompletionRequest r = jobs.get(i).request();
                long[] toks = gen == null ? new long[0] : gen.generatedTokens(i);
                finish[i] = "length";
                if (toks.length > r.maxTokens()) {
                    toks = Arrays.copyOf(toks, r.maxTokens());
                } else if (toks.length > 0 && stopTokens.contains(toks[toks.length - 1])) {
                    finish[i] = "stop";
                }
                String text = tokenizer.decode(toks);
                int cut = firstStop(text, r.stop());
                if (cut >= 0) {
                    text = text.substring(0, cut);
                    toks = tokensCovering(toks, cut);
                    finish[i] = "stop";
                }
                kept.add(toks);
                texts[i] = text;
            }
            List<Choice.Logprobs> lps = logprobs(jobs, kept);
            List<Choice> out = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                SequenceJob j = jobs.get(i);
                String text = j.request().echo() ? j.echoText() + texts[i] : texts[i];
                out.add(new Choice(text, finish[i], j.promptIds().length, kept.get(i).length, lps.get(i)));
            }
            return out;
        }
    }

    private static int firstStop(String text, List<String> stops) {
        int best = -1;
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }

    /** The shortest prefix of {@code toks} whose text reaches {@code chars} characters. */
    private long[] tokensCovering(long[] toks, int chars) {
        for (int k = 0; k <= toks.length; k++) {
            long[] prefix = Arrays.copyOf(toks, k);
            if (tokenizer.decode(prefix).length() >= chars) {
                return prefix;
            }
        }
        return toks;
    }

    /** Log-probs of every returned token (prompt tokens too with echo) in one batched scoring pass. */
    private List<Choice.Logprobs> logprobs(List<SequenceJob> jobs, List<long[]> completions) {
        List<Choice.Logprobs> out = new ArrayList<>(jobs.size());
        List<Integer> rows = new ArrayList<>();
        int t = 0;
        int k = 0;
        for (int i = 0; i < jobs.size(); i++) {
            out.add(null);
            CompletionRequest r = jobs.get(i).request();
            if (r.logprobs() != null) {
                rows.add(i);
                t = Math.max(t, jobs.get(i).promptIds().length + completions.get(i).length);
                k = Math.max(k, r.logprobs());
            }
        }
        if (rows.isEmpty()) {
            return out;
        }
        int b = rows.size();
        long pad = tokenizer.specialTokens().padOrEos();
        long[] ids = new long[b * t];   // [B, T] left-padded prompt + completion
        long[] mask = new long[b * t];
        List<Long> positions = new ArrayList<>();  // flat index (row * T + pos) of the hidden state predicting each token
        List<Long> targets = new ArrayList<>();
        int[] firstScored = new int[b];            // index of each row's first returned token in the full sequence
        for (int r = 0; r < b; r++) {
            SequenceJob j = jobs.get(rows.get(r));
            long[] full = concat(j.promptIds(), completions.get(rows.get(r)));
            int off = t - full.length;
            Arrays.fill(ids, r * t, r * t + off, pad);
            System.arraycopy(full, 0, ids, r * t + off, full.length);
            Arrays.fill(mask, r * t + off, (r + 1) * t, 1);
            firstScored[r] = j.request().echo() ? 1 : j.promptIds().length;
            for (int p = firstScored[r]; p < full.length; p++) {
                positions.add((long) r * t + off + p - 1);
                targets.add(full[p]);
            }
        }
        int m = positions.size();
        float[] chosen = new float[m];
        float[] topVals = new float[m * k];
        long[] topIds = new long[m * k];
        if (m > 0) {
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                Tensor hidden = lm.backbone().forward(Ops.fromLongs(ids, b, t), Ops.fromLongs(mask, b, t), null, null);
                Tensor h = hidden.reshape(b * t, hidden.size(2))
                        .index_select(0, Ops.fromLongs(positions.stream().mapToLong(Long::longValue).toArray(), m)); // [M, H]
                Tensor logp = torch.log_softmax(torch.linear(h, lm.lmHead()).to(ScalarType.Float), -1);          // [M, V]
                Tensor tgt = Ops.fromLongs(targets.stream().mapToLong(Long::longValue).toArray(), m, 1);
                chosen = Ops.toFloats(logp.gather(1, tgt));
                if (k > 0) {
                    T_TensorTensor_T top = logp.topk(Math.min(k, logp.size(1)), -1, true, true);
                    k = (int) Math.min(k, logp.size(1));
                    topVals = Ops.toFloats(top.get0());
                    topIds = Ops.toLongs(top.get1());
                }
            }
        }
        int cursor = 0;
        for (int r = 0; r < b; r++) {
            int i = rows.get(r);
            SequenceJob j = jobs.get(i);
            int want = j.request().logprobs();
            long[] full = concat(j.promptIds(), completions.get(i));
            int from = j.request().echo() ? 0 : j.promptIds().length;
            List<String> tokens = new ArrayList<>();
            List<Double> tokenLps = new ArrayList<>();
            List<Map<String, Double>> tops = new ArrayList<>();
            List<Integer> offsets = new ArrayList<>();
            int offset = 0;
            for (int p = from; p < full.length; p++) {
                String tok = tokenizer.decode(new long[] {full[p]});
                tokens.add(tok);
                offsets.add(offset);
                offset += tok.length();
                if (p < firstScored[r]) {          // the first prompt token has no context to be predicted from
                    tokenLps.add(null);
                    tops.add(null);
                    continue;
                }
                tokenLps.add((double) chosen[cursor]);
                Map<String, Double> top = new LinkedHashMap<>();
                for (int q = 0; q < Math.min(want, k); q++) {
                    // Distinct ids can decode to the same text; the first (most likely) one is kept.
                    top.putIfAbsent(tokenizer.decode(new long[] {topIds[cursor * k + q]}), (double) topVals[cursor * k + q]);
                }
                top.putIfAbsent(tok, (double) chosen[cursor]); // like vLLM, the chosen token is always listed
                tops.add(top);
                cursor++;
            }
            out.set(i, new Choice.Logprobs(tokens, tokenLps, tops, offsets));
        }
        return out;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
