package org.rlaif4j.cai;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.feedback.TooLongPolicy;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.GenerationConfig;
import org.rlaif4j.model.GenerationResult;
import org.rlaif4j.model.Generator;
import org.rlaif4j.model.tokenizer.Tokenizer;

/**
 * A local causal LM as a {@link TextModel}: sampled (temperature / top-k / top-p) with the KV cache,
 * stopping at eos. A prompt that leaves no room for the new tokens fails, or, under
 * {@link TooLongPolicy#TRUNCATE}, keeps its last tokens (the end of a critique prompt is the request).
 */
public final class LmTextModel implements TextModel {
    private final CausalLm lm;
    private final Tokenizer tokenizer;
    private final String name;
    private final double temperature;
    private final int topK;
    private final double topP;
    private final TooLongPolicy tooLong;
    private final Set<Long> stops = new HashSet<>();
    private final PromptFormat format;

    public LmTextModel(CausalLm lm, Tokenizer tokenizer, String name, double temperature, int topK, double topP,
                       TooLongPolicy tooLong) {
        this(lm, PromptFormat.plain(tokenizer), name, temperature, topK, topP, tooLong);
    }

    /**
     * A model whose prompts are encoded through {@code format}: with {@code --chat-template}, each
     * step's prompt is one user message of the chat template; generation stops at its stop ids.
     */
    public LmTextModel(CausalLm lm, PromptFormat format, String name, double temperature, int topK, double topP,
                       TooLongPolicy tooLong) {
        Tokenizer tokenizer = format.tokenizer();
        this.format = format;
        stops.addAll(format.stopIds());
        if (!(temperature > 0) || topK < 0 || !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("sampling: expected temperature > 0, top-k >= 0, top-p in (0, 1], found "
                    + temperature + ", " + topK + ", " + topP);
        }
        this.lm = lm;
        this.tokenizer = tokenizer;
        this.name = name;
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.tooLong = tooLong;
        lm.config().eosTokenIds().forEach(e -> stops.add((long) e));
        if (tokenizer.specialTokens().eos() >= 0) {
            stops.add(tokenizer.specialTokens().eos());
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String complete(String prompt, int maxNewTokens, long seed) {
        long[] ids = fit(format.promptIds(prompt), maxNewTokens);
        GenerationConfig cfg = new GenerationConfig(maxNewTokens, true, temperature, topK, topP, stops,
                tokenizer.specialTokens().padOrEos(), seed, true);
        try (PointerScope scope = new PointerScope()) {
            GenerationResult r = new Generator(lm).generate(List.of(ids), cfg);
            return tokenizer.decode(r.generatedTokens(0));
        }
    }

    private long[] fit(long[] ids, int maxNewTokens) {
        int room = lm.config().maxPositions() - maxNewTokens;
        if (room < 1) {
            throw new IllegalArgumentException("max new tokens: expected less than the model's max_position_embeddings = "
                    + lm.config().maxPositions() + ", found " + maxNewTokens);
        }
        if (ids.length <= room) {
            return ids;
        }
        if (tooLong == TooLongPolicy.FAIL) {
            throw new IllegalArgumentException("prompt of " + ids.length + " tokens: with " + maxNewTokens
                    + " new tokens at most " + room + " fit the model's context of " + lm.config().maxPositions()
                    + "; shorten the prompt or the constitution's requests, or pass --too-long truncate");
        }
        return Arrays.copyOfRange(ids, ids.length - room, ids.length);
    }
}
