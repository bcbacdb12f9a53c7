package org.rlaif4j.feedback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.GenerationConfig;
import org.rlaif4j.model.GenerationResult;
import org.rlaif4j.model.Generator;
import org.rlaif4j.model.PromptFormat;

/**
 * Samples N responses per prompt from a policy and pairs them up for labeling. Each prompt is
 * drawn on its own (N rows of one batch) with a seed derived from the run's seed and the prompt
 * id, so the responses of a prompt do not depend on which other prompts were drawn before it: a
 * resumed run writes exactly what an uninterrupted one would.
 */
public final class ResponseSampler {
    private final CausalLm policy;
    private final PromptFormat format;
    private final SamplingOptions options;

    public ResponseSampler(CausalLm policy, PromptFormat format, SamplingOptions options) {
        this.policy = policy;
        this.format = format;
        this.options = options;
    }

    /** The ids of a prompt's pairs: {@code <promptId>-<i>-<j>} for responses i < j. */
    public List<String> pairIds(String promptId) {
        List<String> ids = new ArrayList<>();
        int n = options.responsesPerPrompt();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                ids.add(promptId + "-" + i + "-" + j);
            }
        }
        return ids;
    }

    /**
     * The prompt's tokens as they will be fed, after the too-long policy: at most
     * {@code max_position_embeddings - maxNewTokens} tokens (TRUNCATE keeps the last ones).
     *
     * @throws IllegalArgumentException under FAIL when the prompt does not fit
     */
    public long[] promptTokens(String promptId, Prompt prompt) {
        long[] ids = format.promptIds(prompt);
        int room = policy.config().maxPositions() - options.maxNewTokens();
        if (room < 1) {
            throw new IllegalArgumentException("max new tokens: expected less than the policy's max_position_embeddings = "
                    + policy.config().maxPositions() + ", found " + options.maxNewTokens());
        }
        if (ids.length <= room) {
            return ids;
        }
        if (options.tooLong() == TooLongPolicy.FAIL) {
            throw new IllegalArgumentException("prompt '" + promptId + "': " + ids.length + " tokens, but with "
                    + options.maxNewTokens() + " new tokens at most " + room + " fit the policy's context of "
                    + policy.config().maxPositions() + "; shorten it or pass --too-long truncate");
        }
        return Arrays.copyOfRange(ids, ids.length - room, ids.length); // the prompt's end leads into the response
    }

    /** N responses to one prompt, decoded, special tokens dropped. */
    public List<String> sample(String promptId, Prompt prompt) {
        long[] ids = promptTokens(promptId, prompt);
        GenerationConfig cfg = new GenerationConfig(options.maxNewTokens(), true, options.temperature(),
                options.topK(), options.topP(), format.stopIds(), format.padId(),
                seedFor(promptId), true);
        GenerationResult r = new Generator(policy).generate(Collections.nCopies(options.responsesPerPrompt(), ids), cfg);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < options.responsesPerPrompt(); i++) {
            out.add(format.tokenizer().decode(r.generatedTokens(i)));
        }
        return out;
    }

    /** All pairs of a prompt's responses, with {@link #pairIds} ids. */
    public List<PairRecord> pairs(String promptId, Prompt prompt, List<String> responses) {
        List<PairRecord> out = new ArrayList<>();
        List<String> ids = pairIds(promptId);
        int k = 0;
        for (int i = 0; i < responses.size(); i++) {
            for (int j = i + 1; j < responses.size(); j++) {
                out.add(new PairRecord(ids.get(k++), prompt, responses.get(i), responses.get(j)));
            }
        }
        return out;
    }

    private long seedFor(String promptId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(promptId.getBytes(StandardCharsets.UTF_8));
            return options.seed() ^ ByteBuffer.wrap(h).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
