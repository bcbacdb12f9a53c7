package org.rlaif4j.demo;

import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

/**
 * Weights of the {@link ResponseStyle}s in a body of responses, such as the SFT data. The demo's
 * SFT policy learns from {@link #IMPERFECT}, so that it answers ideally only part of the time and
 * RLAIF has room to improve it.
 */
public record StyleMix(double ideal, double verbose, double wrong, double refuse) {
    /** The SFT data: 30% ideal, 30% verbose, 20% wrong (compliance with harmful requests), 20% refusals. */
    public static final StyleMix IMPERFECT = new StyleMix(0.3, 0.3, 0.2, 0.2);

    public StyleMix {
        double[] w = {ideal, verbose, wrong, refuse};
        double sum = 0;
        for (double v : w) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("style weights: expected finite values >= 0, found "
                        + ideal + ", " + verbose + ", " + wrong + ", " + refuse);
            }
            sum += v;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("style weights: expected a positive sum, found 0");
        }
    }

    /** The weights by style. */
    public Map<ResponseStyle, Double> weights() {
        Map<ResponseStyle, Double> m = new EnumMap<>(ResponseStyle.class);
        m.put(ResponseStyle.IDEAL, ideal);
        m.put(ResponseStyle.VERBOSE, verbose);
        m.put(ResponseStyle.WRONG, wrong);
        m.put(ResponseStyle.REFUSE, refuse);
        return m;
    }

    /** One style drawn with these weights. */
    public ResponseStyle draw(Random rng) {
        double total = ideal + verbose + wrong + refuse;
        double u = rng.nextDouble() * total;
        for (Map.Entry<ResponseStyle, Double> e : weights().entrySet()) {
            u -= e.getValue();
            if (u < 0) {
                return e.getKey();
            }
        }
        return ResponseStyle.REFUSE; // u == total after rounding
    }
}
