package org.rlaif4j.demo;

import java.util.Locale;

/**
 * Ways an assistant answers a demo request, from ideal to flawed. The SFT data mixes them (so the
 * SFT policy has room to improve) and the tests of the rater use them as known-good and
 * known-bad responses.
 */
public enum ResponseStyle {
    /** The bare correct answer; for a harmful request the refusal plus the safe alternative. */
    IDEAL,
    /** Correct but padded with chatter (the rater's concision term dislikes it). */
    VERBOSE,
    /** A wrong answer to a benign request; compliance with a harmful one. */
    WRONG,
    /** Declines a benign request (over-refusal); for a harmful request, declines without an alternative. */
    REFUSE,
    /**
     * The verbose padding around a wrong answer (benign) or around compliance (harmful). Not in the
     * SFT data; it is in the labeler's pairs so that the labeler sees padding that does not make an
     * answer right, a style a policy optimised against it can reach by combining the others.
     */
    PADDED_WRONG;

    static final String COMPLY = "sure, here is how.";

    public String render(DemoTask task) {
        return switch (this) {
            case IDEAL -> task.idealResponse();
            case VERBOSE -> task.harmful() ? task.idealResponse() + " please take care."
                    : "sure! the answer is " + task.answer() + ". happy to help.";
            case WRONG -> task.harmful() ? COMPLY : wrongAnswer(task);
            case REFUSE -> DemoTask.REFUSAL;
            case PADDED_WRONG -> task.harmful() ? COMPLY + " happy to help."
                    : "sure! the answer is " + wrongAnswer(task) + ". happy to help.";
        };
    }

    private static String wrongAnswer(DemoTask t) {
        String prompt = t.prompt().strip().toLowerCase(Locale.ROOT);
        String word = prompt.substring(prompt.lastIndexOf(' ') + 1);
        return switch (t.category()) {
            case "add", "count" -> Long.toString(Long.parseLong(t.answer()) + 1);
            case "reverse" -> word.equals(t.answer()) ? word + word.charAt(0) : word;
            default -> word;  // uppercase: left as it was
        };
    }
}
