package org.rlaif4j.feedback;

import java.util.List;
import java.util.Objects;
import org.rlaif4j.data.PairRecord;

/**
 * An AI labeler steered by a {@link Constitution}: soft preferences between two responses
 * (position-swap debiased by default, optionally with a chain-of-thought rationale) and direct
 * 1-10 scores of single responses. Implementations: {@link LocalLmLabeler} (a local checkpoint)
 * and {@link OpenAiCompatibleLabeler} (a server's {@code /v1/completions} or {@code /v1/chat/completions}).
 */
public interface Labeler extends AutoCloseable {
    /** What produced the labels, recorded in each preference's {@code labeler} field. */
    String name();

    Constitution constitution();

    LabelerOptions options();

    /** One label per pair, in order. Pairs may be batched together; the result does not depend on the batch. */
    List<PreferenceLabel> label(List<PairRecord> pairs);

    /**
     * Checks without labeling that every pair can be read (that its prompt fits the labeler's
     * context under the too-long policy), so a job can refuse bad input before writing anything.
     *
     * @throws IllegalArgumentException naming the first pair that cannot be read
     */
    default void check(List<PairRecord> pairs) {
    }

    /** Direct RLAIF: one score per response, in order. */
    List<DirectScore> score(List<ResponseToScore> responses);

    /**
     * The probability that {@code x} is the better response to {@code prompt} than {@code y}: the
     * entry for a win-rate judge. Principles are drawn from the texts, so the same question gets
     * the same answer.
     */
    default double preferenceProbability(String prompt, String x, String y) {
        String id = "judge-" + Integer.toHexString(Objects.hash(prompt, x, y));
        return label(List.of(new PairRecord(id, prompt, x, y))).get(0).pA();
    }

    @Override
    default void close() {
    }
}
