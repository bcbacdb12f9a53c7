package org.rlaif4j.rl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Warnings for the usual signs of reward hacking, comparing an iteration with the run's first:
 * the reward rose while the KL to the reference exploded, or while the responses collapsed in
 * length. Heuristics for a human to look at, never a reason to stop.
 *
 * @param klLimit        KL per sequence (nats) counted as exploded
 * @param lengthFraction mean response length below this share of the first iteration's counts as collapsed
 */
public record HackingSigns(double klLimit, double lengthFraction) {
    /** KL above 20 nats per sequence, length below a third of the start. */
    public static final HackingSigns DEFAULT = new HackingSigns(20.0, 1.0 / 3);

    /** The warnings for {@code now} (empty when none), with {@code first} the run's first iteration. */
    public List<String> check(IterationStats first, IterationStats now) {
        List<String> out = new ArrayList<>();
        if (now.rewardRaw() <= first.rewardRaw()) {
            return out;
        }
        if (now.klPerSequence() > klLimit) {
            out.add(String.format(Locale.ROOT, "iteration %d: reward rose %.4f -> %.4f while KL to the reference reached "
                    + "%.2f nats per sequence (> %.2f): possible reward hacking; consider a larger --kl-coef or --target-kl",
                    now.iteration(), first.rewardRaw(), now.rewardRaw(), now.klPerSequence(), klLimit));
        }
        if (now.responseLength() < lengthFraction * first.responseLength()) {
            out.add(String.format(Locale.ROOT, "iteration %d: reward rose %.4f -> %.4f while the mean response length "
                    + "fell %.1f -> %.1f tokens: possible reward hacking (length collapse)", now.iteration(),
                    first.rewardRaw(), now.rewardRaw(), first.responseLength(), now.responseLength()));
        }
        return out;
    }
}
