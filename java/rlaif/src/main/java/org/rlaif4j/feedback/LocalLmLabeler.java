package org.rlaif4j.feedback;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.GenerationConfig;
import org.rlaif4j.model.GenerationResult;
import org.rlaif4j.model.Generator;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.tokenizer.HfTokenizer;
import org.rlaif4j.model.tokenizer.Tokenizer;

/**
 * A labeler on a local causal-LM checkpoint. All prompts of one {@link #label} call (every pair,
 * both orders, every ensemble principle) are left-padded into one batch and run in one forward
 * pass; only the last position's hidden state goes through the LM head, so the cost of the head is
 * {@code [B, V]}, not {@code [B, T, V]}.
 *
 * <p>Each label token (and score token, when scoring) must be a single token of the labeler's
 * tokenizer, or construction (scoring) fails naming the token and how it splits. A tokenizer
 * with a BOS token distinct from EOS (Llama-style) gets it prepended to every prompt, as those
 * models are trained; GPT-2-style tokenizers (BOS = EOS) do not. Prompts longer than
 * {@code max_position_embeddings} follow {@link LabelerOptions#tooLong()}.
 */
public final class LocalLmLabeler extends PromptLabeler {
    private final CausalLm lm;
    private final Tokenizer tokenizer;
    private final String name;
    private final long[] labelIds;

    /**
     * @param name recorded with every label (for example {@code local:<checkpoint folder>})
     */
    public LocalLmLabeler(CausalLm lm, Tokenizer tokenizer, String name, Constitution constitution,
                          LabelerOptions options) {
        super(constitution, options);
        this.lm = lm;
        this.tokenizer = tokenizer;
        this.name = name;
        this.labelIds = singleTokens(constitution.labelTokens(), "label token");
    }

    /** Loads the checkpoint folder (config.json, safetensors, tokenizer.json) as a labeler. */
    public static LocalLmLabeler load(Path dir, Constitution constitution, LabelerOptions options) {
        return new LocalLmLabeler(CausalLm.load(dir), HfTokenizer.load(dir), "local:" + dir, constitution, options);
    }

    @Override
    public String name() {
        return name;
    }

    private long[] singleTokens(List<String> tokens, String what) {
        long[] ids = new long[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            long[] enc = tokenizer.encode(tokens.get(i));
            if (enc.length != 1) {
                throw new IllegalArgumentException(what + " '" + tokens.get(i) + "': expected a single token of the "
                        + "labeler's tokenizer (" + name + "), found " + enc.length + " tokens " + Arrays.toString(enc)
                        + "; choose tokens the tokenizer keeps whole (set them in the constitution)");
            }
            ids[i] = enc[0];
        }
        return ids;
    }

    private long[] encodePrompt(String text) {
        return PromptEncoding.encode(tokenizer, text);
    }

    @Override
    protected int contextTokens() {
        return lm.config().maxPositions();
    }

    @Override
    protected int countTokens(String text) {
        return encodePrompt(text).length;
    }

    @Override
    protected double[][] nextTokenLogProbs(List<String> prompts, List<String> candidates) {
        long[] cand = candidates.equals(constitution().labelTokens()) ? labelIds : singleTokens(candidates, "score token");
        int b = prompts.size();
        List<long[]> rows = new ArrayList<>(b);
        int t = 0;
        for (String p : prompts) {
            long[] ids = encodePrompt(p);
            if (ids.length > contextTokens()) {
                throw new IllegalArgumentException("labeling prompt: " + ids.length + " tokens exceed the labeler's "
                        + "max_position_embeddings = " + contextTokens());
            }
            rows.add(ids);
            t = Math.max(t, ids.length);
        }
        long pad = tokenizer.specialTokens().padOrEos();
        long[] ids = new long[b * t];   // [B, T] left-padded
        long[] mask = new long[b * t];
        for (int i = 0; i < b; i++) {
            long[] row = rows.get(i);
            int off = t - row.length;
            Arrays.fill(ids, i * t, i * t + off, pad);
            System.arraycopy(row, 0, ids, i * t + off, row.length);
            Arrays.fill(mask, i * t + off, (i + 1) * t, 1);
        }
        float[] lp;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor hidden = lm.backbone().forward(Ops.fromLongs(ids, b, t), Ops.fromLongs(mask, b, t), null, null);
            Tensor last = hidden.select(1, t - 1);                                   // [B, H]
            Tensor logits = torch.linear(last, lm.lmHead()).to(ScalarType.Float);   // [B, V]
            Tensor logp = torch.log_softmax(logits, -1);
            lp = Ops.toFloats(logp.index_select(1, Ops.fromLongs(cand, cand.length))); // [B, K]
        }
        double[][] out = new double[b][cand.length];
        for (int i = 0; i < b; i++) {
            for (int k = 0; k < cand.length; k++) {
                out[i][k] = lp[i * cand.length + k];
            }
        }
        return out;
    }

    @Override
    protected List<String> greedyContinuations(List<String> prompts, int maxTokens) {
        List<long[]> ids = prompts.stream().map(this::encodePrompt).toList();
        Set<Long> stops = new HashSet<>();
        lm.config().eosTokenIds().forEach(e -> stops.add((long) e));
        if (tokenizer.specialTokens().eos() >= 0) {
            stops.add(tokenizer.specialTokens().eos());
        }
        GenerationResult r = new Generator(lm).generate(ids, GenerationConfig.greedy(maxTokens).withStopTokens(stops)
                .withPadTokenId(tokenizer.specialTokens().padOrEos()));
        List<String> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            out.add(tokenizer.decode(r.generatedTokens(i)));
        }
        return out;
    }

    /** The labeler's language model. */
    public CausalLm model() {
        return lm;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
