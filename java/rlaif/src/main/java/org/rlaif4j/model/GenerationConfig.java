package org.rlaif4j.model;

import java.util.Set;

/**
 * How {@link Generator} picks tokens.
 *
 * @param maxNewTokens  at most this many tokens per row
 * @param sample        false: greedy (argmax); true: sample from the filtered distribution
 * @param temperature   divides the logits before sampling (> 0; ignored when greedy)
 * @param topK          keep the k most likely tokens (0 = all)
 * @param topP          keep the smallest set of most likely tokens whose probability reaches p (1 = all)
 * @param stopTokenIds  a row finishes after emitting one of these (it is kept, with mask 1)
 * @param padTokenId    left padding and filler after a row finished; -1 = the model's pad, else eos, else 0
 * @param seed          seeds sampling: the same seed, prompts and model give the same tokens
 * @param useKvCache    false recomputes the whole prefix each step (reference / benchmark baseline)
 */
public record GenerationConfig(int maxNewTokens, boolean sample, double temperature, int topK, double topP,
        Set<Long> stopTokenIds, long padTokenId, long seed, boolean useKvCache) {

    public GenerationConfig {
        stopTokenIds = Set.copyOf(stopTokenIds);
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens: expected >= 1, found " + maxNewTokens);
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature: expected > 0, found " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK: expected >= 0 (0 = off), found " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP: expected a value in (0, 1], found " + topP);
        }
    }

    /** Greedy decoding with a KV cache and no stop tokens. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, false, 1.0, 0, 1.0, Set.of(), -1, 0, true);
    }

    /** Sampling with a KV cache and no stop tokens. */
    public static GenerationConfig sampling(int maxNewTokens, double temperature, int topK, double topP, long seed) {
        return new GenerationConfig(maxNewTokens, true, temperature, topK, topP, Set.of(), -1, seed, true);
    }

    public GenerationConfig withStopTokens(Set<Long> ids) {
        return new GenerationConfig(maxNewTokens, sample, temperature, topK, topP, ids, padTokenId, seed, useKvCache);
    }

    public GenerationConfig withKvCache(boolean on) {
        return new GenerationConfig(maxNewTokens, sample, temperature, topK, topP, stopTokenIds, padTokenId, seed, on);
    }

    public GenerationConfig withSeed(long s) {
        return new GenerationConfig(maxNewTokens, sample, temperature, topK, topP, stopTokenIds, padTokenId, s, useKvCache);
    }

    public GenerationConfig withPadTokenId(long id) {
        return new GenerationConfig(maxNewTokens, sample, temperature, topK, topP, stopTokenIds, id, seed, useKvCache);
    }
}
