package org.rlaif4j.sft;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.model.chat.ChatMessage;
import org.rlaif4j.model.tokenizer.Tokenizer;

/**
 * A right-padded batch of training rows: prompt and response, or a whole conversation.
 *
 * @param ids           {@code [B, T]} int64: [bos] prompt, response, eos, then padding
 * @param attentionMask {@code [B, T]} int64: 1 at real tokens
 * @param lossMask      {@code [B, T]} int64: 1 at the trained tokens (response and eos; assistant turns)
 */
public record SftBatch(Tensor ids, Tensor attentionMask, Tensor lossMask) {

    /**
     * One training sequence as token ids, with which of them are trained (predicted with a loss):
     * the response, or every assistant turn of a conversation.
     */
    public record Encoded(long[] tokens, boolean[] trained) {
        public Encoded {
            if (tokens.length != trained.length) {
                throw new IllegalArgumentException("trained: expected " + tokens.length + " flags, found " + trained.length);
            }
        }

        /** A prompt of {@code promptTokens} untrained tokens followed by trained ones. */
        public Encoded(long[] tokens, int promptTokens) {
            this(tokens, mask(tokens.length, promptTokens));
        }

        /** Number of leading untrained tokens. */
        public int promptTokens() {
            int i = 0;
            while (i < trained.length && !trained[i]) {
                i++;
            }
            return i;
        }

        private static boolean[] mask(int n, int prompt) {
            boolean[] m = new boolean[n];
            java.util.Arrays.fill(m, Math.min(prompt, n), n, true);
            return m;
        }
    }

    /** {@link #encode(SftExample, PromptFormat, int)} with the tokenizer's plain format. */
    public static Encoded encode(SftExample ex, Tokenizer tok, int maxLength) {
        List<Encoded> rows = encode(ex, PromptFormat.plain(tok), maxLength);
        if (rows.size() != 1) {
            throw new IllegalStateException("a plain format gives one row per example, found " + rows.size());
        }
        return rows.get(0);
    }

    /**
     * Tokenises one example as every stage encodes it ({@link PromptFormat}): a text prompt with the
     * tokenizer's own special tokens, then the response and eos; a conversational prompt, or a whole
     * conversation, through the chat template, training each assistant turn as the template writes it.
     * A conversation the template cannot write as one sequence gives several rows. Longer than
     * {@code maxLength}: untrained tokens go from the start (keeping at least one), then tokens from
     * the end.
     */
    public static List<Encoded> encode(SftExample ex, PromptFormat format, int maxLength) {
        List<List<PromptFormat.Segment>> examples;
        if (ex.isConversation()) {
            examples = format.conversation(ex.conversation());
        } else if (ex.prompt().isChat()) {
            List<ChatMessage> all = new ArrayList<>(ex.prompt().messages());
            all.add(new ChatMessage("assistant", ex.response()));
            examples = List.of(lastTurn(format.conversation(all)));
        } else {
            long[] prompt = format.promptIds(ex.prompt());
            if (prompt.length == 0) {
                throw new IllegalArgumentException("prompt: expected at least one token, found none for prompt '"
                        + ex.prompt().asText() + "'");
            }
            examples = List.of(List.of(new PromptFormat.Segment(prompt, false),
                    new PromptFormat.Segment(format.responseIds(ex.response(), true), true)));
        }
        List<Encoded> out = new ArrayList<>(examples.size());
        for (List<PromptFormat.Segment> segs : examples) {
            out.add(truncate(join(segs), maxLength));
        }
        return out;
    }

    /** The example holding the final assistant turn, with only that turn trained (the prompt's are context). */
    private static List<PromptFormat.Segment> lastTurn(List<List<PromptFormat.Segment>> examples) {
        List<PromptFormat.Segment> last = examples.get(examples.size() - 1);
        List<PromptFormat.Segment> out = new ArrayList<>(last.size());
        for (int i = 0; i < last.size(); i++) {
            out.add(i == last.size() - 1 ? last.get(i) : new PromptFormat.Segment(last.get(i).ids(), false));
        }
        return out;
    }

    private static Encoded join(List<PromptFormat.Segment> segs) {
        int n = segs.stream().mapToInt(s -> s.ids().length).sum();
        long[] ids = new long[n];
        boolean[] trained = new boolean[n];
        int at = 0;
        for (PromptFormat.Segment s : segs) {
            System.arraycopy(s.ids(), 0, ids, at, s.ids().length);
            Arrays.fill(trained, at, at + s.ids().length, s.trained());
            at += s.ids().length;
        }
        return new Encoded(ids, trained);
    }

    private static Encoded truncate(Encoded e, int maxLength) {
        int over = e.tokens().length - maxLength;
        if (over <= 0) {
            return e;
        }
        int cut = Math.min(over, Math.max(0, e.promptTokens() - 1));
        int end = e.tokens().length - (over - cut);
        return new Encoded(Arrays.copyOfRange(e.tokens(), cut, end), Arrays.copyOfRange(e.trained(), cut, end));
    }

    /** Right-pads encoded examples into one batch with {@code padId}. */
    public static SftBatch of(List<Encoded> rows, long padId) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("rows: expected at least one example");
        }
        int b = rows.size();
        int t = rows.stream().mapToInt(e -> e.tokens().length).max().orElseThrow();
        long[] ids = new long[b * t];
        long[] attn = new long[b * t];
        long[] loss = new long[b * t];
        Arrays.fill(ids, padId);
        for (int i = 0; i < b; i++) {
            Encoded e = rows.get(i);
            for (int j = 0; j < e.tokens().length; j++) {
                ids[i * t + j] = e.tokens()[j];
                attn[i * t + j] = 1;
                loss[i * t + j] = e.trained()[j] ? 1 : 0;
            }
        }
        return new SftBatch(Ops.fromLongs(ids, b, t), Ops.fromLongs(attn, b, t), Ops.fromLongs(loss, b, t));
    }

    /** Number of trained target tokens (response tokens after position 0). */
    public long targetTokens() {
        long[] m = Ops.toLongs(lossMask.narrow(1, 1, lossMask.size(1) - 1));
        return Arrays.stream(m).sum();
    }
}
