package org.rlaif4j.serve;

/**
 * One prompt × one choice of a request, as the batcher schedules it.
 *
 * @param request   the parsed request (sampling settings, limits, what to return)
 * @param requestNo the server's number for the request: sequences of one seeded request are batched only together
 * @param promptIds the prompt's tokens (BOS included when the model uses one), at least one
 * @param echoText  the prompt text returned with {@code echo}
 */
record SequenceJob(CompletionRequest request, long requestNo, long[] promptIds, String echoText) {

    /** Sequences with equal keys can share one {@link org.rlaif4j.model.Generator} call. */
    record BatchKey(boolean greedy, double temperature, double topP, int topK, Long seed, long seededRequest) {
    }

    BatchKey key() {
        CompletionRequest r = request;
        if (r.greedy()) {
            return new BatchKey(true, 0, 1, 0, null, -1);
        }
        // A seeded request runs alone so its samples do not depend on what else was queued.
        return new BatchKey(false, r.temperature(), r.topP(), r.topK(), r.seed(), r.seed() == null ? -1 : requestNo);
    }
}
