package org.rlaif4j.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.GenerationConfig;
import org.rlaif4j.model.GenerationResult;
import org.rlaif4j.model.Generator;
import org.rlaif4j.model.tokenizer.Tokenizer;

/**
 * Samples one response per prompt from a policy at temperature 1 (its own distribution), in
 * batches, each batch seeded from {@code seed} and its index so the same call gives the same text.
 */
public final class PolicySampler {
    private static final int BATCH = 256; // a decoding step costs about the same for 64 or 256 rows of a tiny model

    private final CausalLm policy;
    private final Tokenizer tokenizer;

    public PolicySampler(CausalLm policy, Tokenizer tokenizer) {
        this.policy = policy;
        this.tokenizer = tokenizer;
    }

    /** One sampled response per prompt, in order ({@code [bos] prompt} in, stop at eos). */
    public List<String> sample(List<String> prompts, long seed) {
        List<String> out = new ArrayList<>(prompts.size());
        long bos = tokenizer.specialTokens().bos();
        long eos = tokenizer.specialTokens().eos();
        for (int start = 0; start < prompts.size(); start += BATCH) {
            List<long[]> ids = new ArrayList<>();
            for (String p : prompts.subList(start, Math.min(prompts.size(), start + BATCH))) {
                long[] e = tokenizer.encode(p);
                long[] w = new long[e.length + 1];
                w[0] = bos;
                System.arraycopy(e, 0, w, 1, e.length);
                ids.add(w);
            }
            GenerationConfig gen = GenerationConfig.sampling(DemoModels.MAX_NEW_TOKENS, 1.0, 0, 1.0, seed * 1_000_003L + start)
                    .withStopTokens(Set.of(eos)).withPadTokenId(tokenizer.specialTokens().padOrEos());
            try (PointerScope scope = new PointerScope()) {
                GenerationResult r = new Generator(policy).generate(ids, gen);
                for (int i = 0; i < ids.size(); i++) {
                    out.add(tokenizer.decode(r.generatedTokens(i)));
                }
            }
        }
        return out;
    }
}
