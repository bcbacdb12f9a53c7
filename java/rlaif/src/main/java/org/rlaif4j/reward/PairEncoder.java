package org.rlaif4j.reward;

import java.util.Locale;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.model.PromptFormat;

/**
 * Turns (prompt, response) into the token ids a reward model scores, in the policy's
 * {@link PromptFormat}: the prompt as the policy is given it (post-processor tokens or chat template),
 * then the response's tokens and the end token, exactly as a finished sample of the policy looks
 * (the score is read at the last token).
 * Encoding prompt and response separately is what lets {@link TruncationPolicy#LEFT} cut the
 * prompt and never the response.
 */
public final class PairEncoder {
    private final PromptFormat format;
    private final int maxLength;
    private final TruncationPolicy policy;

    /** @param maxLength longest sequence the model accepts (at most its max_position_embeddings) */
    public PairEncoder(PromptFormat format, int maxLength, TruncationPolicy policy) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength: expected >= 1, found " + maxLength);
        }
        this.format = format;
        this.maxLength = maxLength;
        this.policy = policy;
    }

    public PromptFormat format() {
        return format;
    }

    public int maxLength() {
        return maxLength;
    }

    public TruncationPolicy policy() {
        return policy;
    }

    /**
     * Ids of {@code prompt + response}, at most {@link #maxLength} long.
     *
     * @throws IllegalArgumentException for an empty response, or when too long under {@link TruncationPolicy#FAIL},
     *                                  or when the response alone is too long
     */
    public long[] encode(String prompt, String response) {
        return encode(Prompt.text(prompt), response);
    }

    /** {@link #encode(String, String)} for a prompt in either dataset format. */
    public long[] encode(Prompt prompt, String response) {
        if (response.isEmpty()) {
            throw new IllegalArgumentException("empty response: a reward model needs at least one response token");
        }
        long[] p = format.promptIds(prompt);
        long[] r = format.responseIds(response, true);
        if (r.length == 0 || (r.length == 1 && r[0] == format.endToken())) {
            throw new IllegalArgumentException("response '" + abbreviate(response) + "' has no tokens");
        }
        if (p.length + r.length <= maxLength) {
            return concat(p, 0, r);
        }
        if (policy == TruncationPolicy.FAIL) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "prompt (%d tokens) + response (%d tokens) exceed the maximum length of %d tokens; "
                            + "shorten the data, raise --max-length up to the model's context, or use --truncation left",
                    p.length, r.length, maxLength));
        }
        if (r.length > maxLength) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "response alone is %d tokens, over the maximum length of %d: truncating the prompt cannot fit it",
                    r.length, maxLength));
        }
        return concat(p, p.length + r.length - maxLength, r);
    }

    private static long[] concat(long[] p, int dropFromPrompt, long[] r) {
        long[] out = new long[p.length - dropFromPrompt + r.length];
        System.arraycopy(p, dropFromPrompt, out, 0, p.length - dropFromPrompt);
        System.arraycopy(r, 0, out, p.length - dropFromPrompt, r.length);
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
