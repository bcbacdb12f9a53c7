package org.rlaif4j.model;

import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Batched autoregressive generation for prompts of different lengths: left padding with
 * padding-aware positions and masks, an optional KV cache, greedy or seeded sampling with
 * temperature / top-k / top-p, stop tokens and a token budget.
 */
public final class Generator {
    private final CausalLm lm;

    public Generator(CausalLm lm) {
        this.lm = lm;
    }

    public GenerationResult generate(List<long[]> prompts, GenerationConfig cfg) {
        return generate(prompts, cfg, null);
    }

    /** Generates for every prompt (token ids, each at least one token); {@code listener} may be null. */
    public GenerationResult generate(List<long[]> prompts, GenerationConfig cfg, TokenListener listener) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("prompts: expected at least one prompt");
        }
        int b = prompts.size();
        int p = 0;
        for (int i = 0; i < b; i++) {
            if (prompts.get(i).length == 0) {
                throw new IllegalArgumentException("prompts: prompt " + i + " is empty");
            }
            p = Math.max(p, prompts.get(i).length);
        }
        int n = cfg.maxNewTokens();
        if (p + n > lm.config().maxPositions()) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "prompt length %d + maxNewTokens %d exceeds max_position_embeddings = %d", p, n,
                    lm.config().maxPositions()));
        }
        long pad = cfg.padTokenId() >= 0 ? cfg.padTokenId() : lm.config().padOrEosTokenId();
        int width = p + n;
        long[] ids = new long[b * width];      // row-major [B, P + N]
        long[] mask = new long[b * width];
        for (int i = 0; i < b; i++) {
            long[] prompt = prompts.get(i);
            int off = p - prompt.length;
            for (int j = 0; j < p; j++) {
                ids[i * width + j] = j < off ? pad : prompt[j - off];
                mask[i * width + j] = j < off ? 0 : 1;
            }
        }
        float[] logProbs = new float[b * n];
        float[] samplingLogProbs = new float[b * n];
        double[] drawn = new double[b]; // per step: log-prob of the drawn token under the sampling distribution
        boolean[] finished = new boolean[b];
        Random rng = new Random(cfg.seed());
        int steps = 0;
        try (NoGradGuard g = new NoGradGuard();
                KvCache cache = cfg.useKvCache() ? lm.newCache(b, width) : null) {
            int fed = 0; // positions already in the cache
            for (int step = 0; step < n; step++) {
                int len = p + step; // positions known so far
                try (PointerScope scope = new PointerScope()) {
                    Tensor last;  // [B, V] logits for the next token
                    if (cache != null) {
                        Tensor in = Ops.fromLongs(columns(ids, b, width, fed, len), b, len - fed);
                        Tensor m = Ops.fromLongs(columns(mask, b, width, 0, len), b, len);
                        last = lm.lastLogits(in, m, null, cache); // the prefill's other positions need no logits
                        fed = len;
                    } else {
                        Tensor in = Ops.fromLongs(columns(ids, b, width, 0, len), b, len);
                        Tensor m = Ops.fromLongs(columns(mask, b, width, 0, len), b, len);
                        last = lm.lastLogits(in, m, null, null);
                    }
                    last = last.to(ScalarType.Float);
                    long[] next = cfg.sample() ? sample(last, cfg, rng, finished, drawn) : greedy(last);
                    // log p(next) = logit - logsumexp: no [B, V] log-softmax
                    Tensor lp = last.gather(1, Ops.fromLongs(next, b, 1)).sub(last.logsumexp(new long[] {-1}, true));
                    float[] lps = Ops.toFloats(lp);
                    for (int i = 0; i < b; i++) {
                        if (finished[i]) {
                            next[i] = pad;
                            continue;
                        }
                        ids[i * width + len] = next[i];
                        mask[i * width + len] = 1;
                        logProbs[i * n + step] = lps[i];
                        samplingLogProbs[i * n + step] = cfg.sample() ? (float) drawn[i] : 0f;
                        if (cfg.stopTokenIds().contains(next[i])) {
                            finished[i] = true;
                        }
                    }
                    for (int i = 0; i < b; i++) {
                        if (mask[i * width + len] == 0) {
                            ids[i * width + len] = pad;
                        }
                    }
                }
                steps = step + 1;
                if (listener != null) {
                    listener.onStep(step, next(ids, b, width, len), finished.clone());
                }
                if (allTrue(finished)) {
                    break;
                }
            }
        }
        int total = p + steps;
        float[] lpOut = new float[b * steps];
        float[] slpOut = new float[b * steps];
        for (int i = 0; i < b; i++) {
            System.arraycopy(logProbs, i * n, lpOut, i * steps, steps);
            System.arraycopy(samplingLogProbs, i * n, slpOut, i * steps, steps);
        }
        return new GenerationResult(Ops.fromLongs(columns(ids, b, width, 0, total), b, total),
                Ops.fromLongs(columns(mask, b, width, 0, total), b, total),
                org.rlaif4j.kernels.Tensors.fromFloats(lpOut, b, steps), p,
                org.rlaif4j.kernels.Tensors.fromFloats(slpOut, b, steps));
    }

    private static long[] greedy(Tensor last) {
        try (LongOptional dim = new LongOptional(-1)) {
            return Ops.toLongs(last.argmax(dim, false));
        }
    }

    /**
     * Samples one token per unfinished row from softmax(logits / temperature) restricted to the
     * top-k and then top-p tokens. Rows are drawn in order from one seeded generator. {@code drawn[i]}
     * receives the log-prob of row i's token under that renormalised distribution.
     */
    private static long[] sample(Tensor last, GenerationConfig cfg, Random rng, boolean[] finished, double[] drawn) {
        int b = (int) last.size(0);
        int v = (int) last.size(1);
        T_TensorTensor_T sorted = torch.sort(last, -1, true);
        float[] vals = Ops.toFloats(sorted.get0());   // [B, V] descending
        long[] idx = Ops.toLongs(sorted.get1());
        long[] out = new long[b];
        int k = cfg.topK() > 0 ? Math.min(cfg.topK(), v) : v;
        double[] probs = new double[k];
        for (int i = 0; i < b; i++) {
            if (finished[i]) {
                continue;
            }
            int base = i * v;
            double max = vals[base] / cfg.temperature();
            double sum = 0;
            for (int j = 0; j < k; j++) {
                probs[j] = Math.exp(vals[base + j] / cfg.temperature() - max);
                sum += probs[j];
            }
            // top-p: keep the smallest prefix whose probability reaches p (at least one token)
            int keep = k;
            if (cfg.topP() < 1) {
                double cum = 0;
                for (int j = 0; j < k; j++) {
                    cum += probs[j] / sum;
                    if (cum >= cfg.topP()) {
                        keep = j + 1;
                        break;
                    }
                }
            }
            double kept = 0;
            for (int j = 0; j < keep; j++) {
                kept += probs[j];
            }
            double u = rng.nextDouble() * kept;
            int chosen = keep - 1;
            double acc = 0;
            for (int j = 0; j < keep; j++) {
                acc += probs[j];
                if (u < acc) {
                    chosen = j;
                    break;
                }
            }
            out[i] = idx[base + chosen];
            drawn[i] = Math.log(probs[chosen] / kept);
        }
        return out;
    }

    private static long[] columns(long[] a, int rows, int width, int from, int to) {
        long[] out = new long[rows * (to - from)];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(a, i * width + from, out, i * (to - from), to - from);
        }
        return out;
    }

    private static long[] next(long[] ids, int rows, int width, int col) {
        long[] out = new long[rows];
        for (int i = 0; i < rows; i++) {
            out[i] = ids[i * width + col];
        }
        return out;
    }

    private static boolean allTrue(boolean[] a) {
        for (boolean x : a) {
            if (!x) {
                return false;
            }
        }
        return true;
    }
}
