package org.rlaif4j.cai;

/**
 * One critique-then-revision round.
 *
 * @param principle     name of the principle drawn for this round
 * @param response      the response critiqued (the initial one, or the previous round's result)
 * @param critique      the model's critique of it under the principle
 * @param revision      the model's revision as generated (possibly blank)
 * @param revisionEmpty the revision was blank, so the round kept {@code response} as its result
 */
public record CritiqueRound(int round, String principle, String response, String critiqueRequest, String critique,
                            String revisionRequest, String revision, boolean revisionEmpty) {
    /** What the next round critiques: the revision, or the response when the revision came out blank. */
    public String result() {
        return revisionEmpty ? response : revision;
    }
}
