package org.rlaif4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * How rotary frequencies are rescaled for long contexts, from {@code rope_scaling} (or the newer
 * {@code rope_parameters}) of a Llama-layout {@code config.json}. Types that would need more than a
 * per-frequency rescale (dynamic NTK, YaRN's attention factor, LongRoPE, ...) are refused.
 *
 * @param type                 "default", "linear" or "llama3"
 * @param factor               context extension factor (1 for default)
 * @param lowFreqFactor        llama3 only
 * @param highFreqFactor       llama3 only
 * @param originalMaxPositions llama3 only: the pre-training context length
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
        int originalMaxPositions) {
    public static final RopeScaling NONE = new RopeScaling("default", 1.0, 0, 0, 0);

    /** Parses a rope_scaling / rope_parameters object; null or missing means no scaling. */
    static RopeScaling fromJson(JsonNode n, String field) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return NONE;
        }
        if (!n.isObject()) {
            throw new UnsupportedConfigException("config.json: " + field + ": expected an object or null, found " + n);
        }
        String type = n.path("rope_type").asText(n.path("type").asText("default"));
        switch (type) {
            case "default":
                return NONE;
            case "linear":
                return new RopeScaling(type, positive(n, field, "factor"), 0, 0, 0);
            case "llama3": {
                double low = positive(n, field, "low_freq_factor");
                double high = positive(n, field, "high_freq_factor");
                if (!(high > low)) {
                    throw new UnsupportedConfigException(String.format(Locale.ROOT,
                            "config.json: %s: expected high_freq_factor > low_freq_factor, found %s and %s", field, high, low));
                }
                JsonNode orig = n.path("original_max_position_embeddings");
                if (!orig.isIntegralNumber() || orig.asLong() <= 0 || orig.asLong() > Integer.MAX_VALUE) {
                    throw new UnsupportedConfigException("config.json: " + field
                            + ".original_max_position_embeddings: expected a positive integer, found " + orig);
                }
                return new RopeScaling(type, positive(n, field, "factor"), low, high, orig.asInt());
            }
            default:
                throw new UnsupportedConfigException("config.json: " + field + " of type '" + type
                        + "' changes the model's math and is not supported by rlaif4j (supported: default, linear, llama3)");
        }
    }

    private static double positive(JsonNode n, String field, String key) {
        JsonNode v = n.path(key);
        if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
            throw new UnsupportedConfigException("config.json: " + field + "." + key + ": expected a positive number, found "
                    + (v.isMissingNode() ? "nothing" : v.toString()));
        }
        return v.asDouble();
    }

    /**
     * Rotary inverse frequencies {@code 1 / theta^(2i / d)}, i = 0 .. d/2 - 1, rescaled as
     * Hugging Face's {@code _compute_linear_scaling_rope_parameters} / {@code _compute_llama3_parameters} do.
     */
    public double[] inverseFrequencies(double theta, int headDim) {
        double[] inv = new double[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            double base = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
            inv[i] = switch (type) {
                case "linear" -> base / factor;
                case "llama3" -> llama3(base);
                default -> base;
            };
        }
        return inv;
    }

    // High frequencies unchanged, low ones divided by factor, a smooth blend in between.
    private double llama3(double invFreq) {
        double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
        double highFreqWavelen = originalMaxPositions / highFreqFactor;
        double wavelen = 2 * Math.PI / invFreq;
        if (wavelen < highFreqWavelen) {
            return invFreq;
        }
        if (wavelen > lowFreqWavelen) {
            return invFreq / factor;
        }
        double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        return (1 - smooth) * invFreq / factor + smooth * invFreq;
    }
}
