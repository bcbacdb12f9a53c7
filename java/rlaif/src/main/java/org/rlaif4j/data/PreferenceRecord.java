package org.rlaif4j.data;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One labeled comparison, in the preference JSONL format of DESIGN.md: the TRL fields
 * {@code prompt}/{@code chosen}/{@code rejected} plus the soft label.
 *
 * <p>{@code pA} is the probability that {@code responseA} is preferred; {@code pAAb} and
 * {@code pABa} are that probability read with A shown first and with B shown first (both NaN
 * for a human or hard label). {@code chosen}/{@code rejected} follow {@code pA >= 0.5}.
 * {@code labeler}, {@code constitutionSha256}, {@code rationale} and {@code id} may be null.
 */
public record PreferenceRecord(String id, Prompt prompt, String responseA, String responseB, double pA, double pAAb,
                               double pABa, String labeler, String constitutionSha256, String rationale) {
    public PreferenceRecord {
        if (prompt == null || responseA == null || responseB == null) {
            throw new IllegalArgumentException("prompt, response_a and response_b must be given");
        }
        if (!(pA >= 0 && pA <= 1)) {
            throw new IllegalArgumentException("p_a must lie in [0, 1], found " + pA);
        }
    }

    /** A preference over a text prompt. */
    public PreferenceRecord(String id, String prompt, String responseA, String responseB, double pA, double pAAb,
            double pABa, String labeler, String constitutionSha256, String rationale) {
        this(id, Prompt.text(prompt), responseA, responseB, pA, pAAb, pABa, labeler, constitutionSha256, rationale);
    }

    /** A hard label: the chosen response as A with probability 1. */
    public static PreferenceRecord hard(String id, String prompt, String chosen, String rejected) {
        return hard(id, Prompt.text(prompt), chosen, rejected);
    }

    /** A hard label: the chosen response as A with probability 1. */
    public static PreferenceRecord hard(String id, Prompt prompt, String chosen, String rejected) {
        return new PreferenceRecord(id, prompt, chosen, rejected, 1.0, Double.NaN, Double.NaN, null, null, null);
    }

    public String chosen() {
        return pA >= 0.5 ? responseA : responseB;
    }

    public String rejected() {
        return pA >= 0.5 ? responseB : responseA;
    }

    /** Position consistency: both orders prefer the same response (true for a hard label). */
    public boolean ordersAgree() {
        if (Double.isNaN(pAAb) || Double.isNaN(pABa)) {
            return true;
        }
        return (pAAb >= 0.5) == (pABa >= 0.5);
    }

    /**
     * Parses a preference line. Lines with {@code response_a}, {@code response_b} and
     * {@code p_a} are soft labels; TRL lines with only {@code prompt}/{@code chosen}/{@code rejected}
     * are hard labels with the chosen response as A.
     */
    public static PreferenceRecord fromJson(ObjectNode o, int lineNumber) {
        String id = o.has("id") && !o.get("id").isNull() ? o.get("id").asText() : Integer.toString(lineNumber);
        Prompt prompt = Prompt.fromJson(o, "prompt");
        if (!o.has("response_a") && !o.has("p_a")) {
            return hard(id, prompt, Prompt.response(o, "chosen", true), Prompt.response(o, "rejected", true));
        }
        double pA = Jsonl.requireNumber(o, "p_a");
        if (pA < 0 || pA > 1) {
            throw new DataFormatException("field 'p_a' must lie in [0, 1], found " + pA);
        }
        return new PreferenceRecord(id, prompt, Prompt.response(o, "response_a", true),
                Prompt.response(o, "response_b", true), pA, optionalNumber(o, "p_a_ab"),
                optionalNumber(o, "p_a_ba"), Jsonl.optionalString(o, "labeler"),
                Jsonl.optionalString(o, "constitution_sha256"), Jsonl.optionalString(o, "rationale"));
    }

    private static double optionalNumber(ObjectNode o, String field) {
        return o.has(field) && !o.get(field).isNull() ? Jsonl.requireNumber(o, field) : Double.NaN;
    }

    public ObjectNode toJson() {
        ObjectNode o = Jsonl.mapper().createObjectNode();
        if (id != null) {
            o.put("id", id);
        }
        o.set("prompt", prompt.toJson());
        o.set("chosen", prompt.responseJson(chosen()));
        o.set("rejected", prompt.responseJson(rejected()));
        o.set("response_a", prompt.responseJson(responseA));
        o.set("response_b", prompt.responseJson(responseB));
        o.put("p_a", pA);
        if (!Double.isNaN(pAAb)) {
            o.put("p_a_ab", pAAb);
        }
        if (!Double.isNaN(pABa)) {
            o.put("p_a_ba", pABa);
        }
        if (labeler != null) {
            o.put("labeler", labeler);
        }
        if (constitutionSha256 != null) {
            o.put("constitution_sha256", constitutionSha256);
        }
        if (rationale != null) {
            o.put("rationale", rationale);
        }
        return o;
    }
}
