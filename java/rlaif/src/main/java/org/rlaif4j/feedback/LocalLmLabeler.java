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
import org.rlaif4j.data.Prompt;
import org.rlaif4j.model.ModelDtype;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.model.chat.ChatMessage;
import org.rlaif4j.model.tokenizer.HfTokenizer;
import org.rlaif4j.model.tokenizer.Tokenizer;

/**
 * A labeler on a local causal-LM checkpoint. All prompts of one {@link #label} call (every pair,
 * both orders, every ensemble principle) are left-padded into one batch and run in one forward
 * pass; only the last position's hidden state goes through the LM head, so the cost of the head is
 * {@code [B, V]}, not {@code [B, T, V]}.
 *
 * <p>Label and score token ids are those the tokenizer gives them after the ending (found by
 * difference, see {@link Continuations}). Each label token must be a single token there, or
 * construction fails naming the token and how it encodes. A score token may be several tokens
 * ("10" on a tokenizer that splits digits): it is scored teacher-forced, the sum of its tokens'
 * log-probs, the prompt followed by each distinct prefix read as its own row of the batch; a score
 * whose tokens begin another's ("1" of "1" "0") counts only the mass that does not go on to the
 * longer one. Prompts are encoded as every stage encodes them ({@link PromptFormat}: the tokenizer's
 * post-processor decides BOS). A labeler with a chat template (an instruct model) reads the
 * comparison as a user message: the text before the ending (or before the chain-of-thought prompt)
 * is rendered by the template with the generation prompt, and the ending is the start of the
 * assistant's answer, where the label token is read. Prompts longer than
 * {@code max_position_embeddings} follow {@link LabelerOptions#tooLong()}.
 */
public final class LocalLmLabeler extends PromptLabeler {
    private final CausalLm lm;
    private final Tokenizer tokenizer;
    private final String name;
    private final Continuations labels;
    private final PromptFormat format;

    /**
     * @param name recorded with every label (for example {@code local:<checkpoint folder>})
     */
    public LocalLmLabeler(CausalLm lm, Tokenizer tokenizer, String name, Constitution constitution,
                          LabelerOptions options) {
        this(lm, PromptFormat.plain(tokenizer), name, constitution, options);
    }

    /** A labeler encoding through {@code format}: with a chat template, comparisons are user messages. */
    public LocalLmLabeler(CausalLm lm, PromptFormat format, String name, Constitution constitution,
                          LabelerOptions options) {
        super(constitution, options);
        Tokenizer tokenizer = format.tokenizer();
        this.format = format;
        this.lm = lm;
        this.tokenizer = tokenizer;
        this.name = name;
        this.labels = Continuations.of(tokenizer, constitution.ending(), constitution.labelTokens(), true,
                "label token", name);
    }

    /** Loads the checkpoint folder (config.json, safetensors, tokenizer.json) as a labeler. */
    public static LocalLmLabeler load(Path dir, Constitution constitution, LabelerOptions options) {
        return load(dir, constitution, options, ModelDtype.saved(dir));
    }

    /**
     * As {@link #load(Path, Constitution, LabelerOptions)}, computing in {@code dtype}; the checkpoint's
     * chat template, when it has one, frames the comparisons.
     */
    public static LocalLmLabeler load(Path dir, Constitution constitution, LabelerOptions options, ScalarType dtype) {
        CausalLm lm = CausalLm.load(dir, dtype);
        HfTokenizer tok = HfTokenizer.load(dir);
        return new LocalLmLabeler(lm, PromptFormat.load(dir, tok, lm.config()), "local:" + dir, constitution, options);
    }

    @Override
    public String name() {
        return name;
    }

    /** The token ids of a labeling prompt (package-private for tests). */
    long[] encodePrompt(String text) {
        if (!format.hasChatTemplate()) {
            return format.textIds(text);
        }
        int cut = answerStart(text);
        String user = text.substring(0, cut).stripTrailing();
        long[] head = format.promptIds(Prompt.chat(List.of(new ChatMessage("user", user))));
        long[] tail = tokenizer.encode(text.substring(cut));
        long[] ids = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, ids, head.length, tail.length);
        return ids;
    }

    /**
     * Where the assistant's part of a labeling prompt begins: at the chain-of-thought prompt when
     * it is used (the rationale and the ending follow it), else at the ending the text closes with.
     */
    private int answerStart(String text) {
        Constitution c = constitution();
        if (options().chainOfThought() && !c.cotPrompt().isEmpty() && text.lastIndexOf(c.cotPrompt()) >= 0) {
            return text.lastIndexOf(c.cotPrompt());
        }
        for (String ending : List.of(c.ending(), c.scoreEnding())) {
            if (!ending.isEmpty() && text.endsWith(ending)) {
                return text.length() - ending.length();
            }
        }
        return text.length();
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
    protected double[][] continuationLogProbs(List<String> prompts, String ending, List<String> candidates) {
        Continuations cont = ending.equals(constitution().ending()) && candidates.equals(constitution().labelTokens())
                ? labels : Continuations.of(tokenizer, ending, candidates, false, "score token", name);
        int b = prompts.size();
        int np = cont.prefixes().size();
        List<long[]> rows = new ArrayList<>(b * np); // prompt i followed by prefix j is row i * np + j
        int t = 0;
        for (String p : prompts) {
            long[] ids = encodePrompt(p);
            for (List<Long> prefix : cont.prefixes()) {
                long[] row = Arrays.copyOf(ids, ids.length + prefix.size());
                for (int k = 0; k < prefix.size(); k++) {
                    row[ids.length + k] = prefix.get(k);
                }
                if (row.length > contextTokens()) {
                    throw new IllegalArgumentException("labeling prompt: " + row.length + " tokens exceed the "
                            + "labeler's max_position_embeddings = " + contextTokens());
                }
                rows.add(row);
                t = Math.max(t, row.length);
            }
        }
        int n = rows.size();
        long pad = tokenizer.specialTokens().padOrEos();
        long[] ids = new long[n * t];   // [N, T] left-padded
        long[] mask = new long[n * t];
        for (int i = 0; i < n; i++) {
            long[] row = rows.get(i);
            int off = t - row.length;
            Arrays.fill(ids, i * t, i * t + off, pad);
            System.arraycopy(row, 0, ids, i * t + off, row.length);
            Arrays.fill(mask, i * t + off, (i + 1) * t, 1);
        }
        long[] cols = cont.columns();
        float[] lp;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor hidden = lm.backbone().forward(Ops.fromLongs(ids, n, t), Ops.fromLongs(mask, n, t), null, null);
            Tensor last = hidden.select(1, t - 1);                                   // [N, H]
            Tensor logits = torch.linear(last, lm.lmHead()).to(ScalarType.Float);   // [N, V]
            Tensor logp = torch.log_softmax(logits, -1);
            lp = Ops.toFloats(logp.index_select(1, Ops.fromLongs(cols, cols.length))); // [N, C]
        }
        double[][] out = new double[b][];
        for (int i = 0; i < b; i++) {
            int base = i * np;
            out[i] = cont.logProbs((j, token) -> lp[(base + j) * cols.length + Arrays.binarySearch(cols, token)]);
        }
        return out;
    }

    @Override
    protected List<String> greedyContinuations(List<String> prompts, int maxTokens) {
        List<long[]> ids = prompts.stream().map(this::encodePrompt).toList();
        Set<Long> stops = new HashSet<>(format.stopIds());
        lm.config().eosTokenIds().forEach(e -> stops.add((long) e));
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
