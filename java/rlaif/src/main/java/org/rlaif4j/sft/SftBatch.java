package org.rlaif4j.sft;

import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.tokenizer.SpecialTokens;
import org.rlaif4j.model.tokenizer.Tokenizer;

/**
 * A right-padded batch of prompt + response token rows.
 *
 * @param ids           {@code [B, T]} int64: [bos] prompt, response, eos, then padding
 * @param attentionMask {@code [B, T]} int64: 1 at real tokens
 * @param lossMask      {@code [B, T]} int64: 1 at response tokens and the eos (the tokens whose prediction is trained)
 */
public record SftBatch(Tensor ids, Tensor attentionMask, Tensor lossMask) {

    /** One example as token ids, with the number of leading prompt tokens. */
    public record Encoded(long[] tokens, int promptTokens) {}

    /**
     * Tokenises one example: {@code prompt response eos}, the prompt with the special tokens of the
     * tokenizer's own post-processor (as every stage encodes it), eos when the tokenizer has one. Longer than {@code maxLength}: the prompt loses tokens from its start (keeping at
     * least one), then the response from its end.
     */
    public static Encoded encode(SftExample ex, Tokenizer tok, int maxLength) {
        SpecialTokens sp = tok.specialTokens();
        long[] prompt = org.rlaif4j.model.PromptFormat.plain(tok).textIds(ex.prompt()); // post-processor decides BOS
        long[] r = tok.encode(ex.response());
        long[] response = sp.eos() >= 0 ? Arrays.copyOf(r, r.length + 1) : r;
        if (sp.eos() >= 0) {
            response[r.length] = sp.eos();
        }
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt: expected at least one token, found none for prompt '" + ex.prompt() + "'");
        }
        int over = prompt.length + response.length - maxLength;
        if (over > 0) {
            int cut = Math.min(over, prompt.length - 1);
            prompt = Arrays.copyOfRange(prompt, cut, prompt.length);
            over -= cut;
            response = Arrays.copyOf(response, response.length - over);
        }
        long[] all = Arrays.copyOf(prompt, prompt.length + response.length);
        System.arraycopy(response, 0, all, prompt.length, response.length);
        return new Encoded(all, prompt.length);
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
                loss[i * t + j] = j >= e.promptTokens() ? 1 : 0;
            }
        }
        return new SftBatch(Ops.fromLongs(ids, b, t), Ops.fromLongs(attn, b, t), Ops.fromLongs(loss, b, t));
    }

    /** Number of trained target tokens (response tokens after position 0). */
    public long targetTokens() {
        long[] m = Ops.toLongs(lossMask.narrow(1, 1, lossMask.size(1) - 1));
        return Arrays.stream(m).sum();
    }

    private static long[] prepend(long first, long[] rest) {
        long[] out = new long[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
