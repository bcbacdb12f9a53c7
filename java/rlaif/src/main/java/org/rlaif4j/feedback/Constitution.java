package org.rlaif4j.feedback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.rlaif4j.data.Jsonl;

/**
 * The short human-written text that steers an AI labeler: a preamble stating the task, the
 * principles, optional few-shot exemplars, the ending after which the label token is read, the
 * two label tokens, the chain-of-thought instruction, and the prompt pieces for direct 1-10
 * scoring. Read from JSON (see {@code default-constitution.json} beside this class for every
 * field); fields left out take the defaults below.
 *
 * <p>{@link #sha256()} hashes the canonical form (every field, defaults filled in, fixed order,
 * compact UTF-8 JSON), so two files that mean the same constitution hash the same and every
 * label records which constitution produced it.
 *
 * @param principleMode how principles enter each comparison; {@code ensembleSize} is used by ENSEMBLE only
 * @param cotClamp      band for chain-of-thought probabilities, or null for none
 * @param scoreTokens   the score tokens of direct scoring, worth 1, 2, ..., n in order
 * @param critiqueRequest Constitutional AI critique stage: what the model is asked to critique, {@code {principle}}
 *                        replaced by the drawn principle's text
 * @param revisionRequest Constitutional AI critique stage: how the model is asked to revise, same placeholder
 */
public record Constitution(String name, String preamble, List<Principle> principles, PrincipleMode principleMode,
                           int ensembleSize, List<Exemplar> exemplars, String ending, List<String> labelTokens,
                           String cotPrompt, ClampBand cotClamp, String scorePreamble, String scoreEnding,
                           List<String> scoreTokens, String critiqueRequest, String revisionRequest) {
    public static final String DEFAULT_ENDING = "Preferred Response=";
    public static final List<String> DEFAULT_LABEL_TOKENS = List.of("1", "2");
    public static final String DEFAULT_COT_PROMPT = "Consider the coherence, accuracy, helpfulness and harmlessness "
            + "of each response and explain which one is better.\nRationale:";
    public static final String DEFAULT_SCORE_PREAMBLE = "Rate how well the response to the context follows the "
            + "principles below, on a scale from 1 (worst) to 10 (best).";
    public static final String DEFAULT_SCORE_ENDING = "Score=";
    public static final List<String> DEFAULT_SCORE_TOKENS = List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
    public static final String DEFAULT_CRITIQUE_REQUEST = "Identify specific ways in which the assistant's last response "
            + "does not follow this principle: {principle}";
    public static final String DEFAULT_REVISION_REQUEST = "Rewrite the assistant's response so that it follows this "
            + "principle: {principle}";
    private static final String DEFAULT_RESOURCE = "default-constitution.json";
    private static final List<String> FIELDS = List.of("name", "preamble", "principles", "principle_mode",
            "ensemble_size", "exemplars", "ending", "label_tokens", "cot_prompt", "cot_clamp", "score_preamble",
            "score_ending", "score_tokens", "critique_request", "revision_request");

    public Constitution {
        principles = List.copyOf(principles);
        exemplars = List.copyOf(exemplars);
        labelTokens = List.copyOf(labelTokens);
        scoreTokens = List.copyOf(scoreTokens);
        require(name != null && !name.isBlank(), "name", "a non-empty string", name);
        require(preamble != null && !preamble.isBlank(), "preamble", "a non-empty string", preamble);
        require(ending != null && !ending.isEmpty(), "ending", "a non-empty string", ending);
        require(cotPrompt != null && !cotPrompt.isBlank(), "cot_prompt", "a non-empty string", cotPrompt);
        require(scorePreamble != null && !scorePreamble.isBlank(), "score_preamble", "a non-empty string", scorePreamble);
        require(scoreEnding != null && !scoreEnding.isEmpty(), "score_ending", "a non-empty string", scoreEnding);
        require(critiqueRequest != null && !critiqueRequest.isBlank(), "critique_request", "a non-empty string",
                critiqueRequest);
        require(revisionRequest != null && !revisionRequest.isBlank(), "revision_request", "a non-empty string",
                revisionRequest);
        require(labelTokens.size() == 2 && !labelTokens.get(0).equals(labelTokens.get(1))
                && labelTokens.stream().noneMatch(String::isEmpty), "label_tokens",
                "two distinct non-empty tokens", labelTokens);
        require(scoreTokens.size() >= 2 && new HashSet<>(scoreTokens).size() == scoreTokens.size()
                && scoreTokens.stream().noneMatch(String::isEmpty), "score_tokens",
                "at least two distinct non-empty tokens", scoreTokens);
        Set<String> names = new HashSet<>();
        for (Principle p : principles) {
            require(names.add(p.name()), "principles", "distinct names", "'" + p.name() + "' twice");
        }
        if (principleMode != PrincipleMode.ALL) {
            require(!principles.isEmpty(), "principles", "at least one principle for principle_mode "
                    + principleMode.jsonName(), "none");
        }
        if (principleMode == PrincipleMode.ENSEMBLE) {
            require(ensembleSize >= 2 && ensembleSize <= principles.size(), "ensemble_size",
                    "between 2 and the " + principles.size() + " principles", ensembleSize);
        }
        for (int i = 0; i < exemplars.size(); i++) {
            String preferred = exemplars.get(i).preferred();
            require(labelTokens.contains(preferred), "exemplars[" + i + "].preferred",
                    "one of the label tokens " + labelTokens, "'" + preferred + "'");
        }
    }

    private static void require(boolean ok, String field, String expected, Object found) {
        if (!ok) {
            throw new IllegalArgumentException("constitution " + field + ": expected " + expected + ", found " + found);
        }
    }

    /** The constitution shipped with rlaif4j: helpful, honest, harmless, sampled one principle per pair. */
    public static Constitution defaults() {
        try (InputStream in = Constitution.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DEFAULT_RESOURCE + " is missing from the jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DEFAULT_RESOURCE, e);
        }
    }

    /** Reads a constitution JSON file; errors name the file and the field. */
    public static Constitution load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such constitution file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Parses constitution JSON text; {@code source} names it in error messages. */
    public static Constitution parse(String json, String source) {
        JsonNode root;
        try {
            root = Jsonl.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (!(root instanceof ObjectNode o)) {
            throw new IllegalArgumentException(source + ": expected a JSON object");
        }
        try {
            return fromJson(o);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** Builds a constitution from its JSON object; unknown fields are rejected (a typo would otherwise go unnoticed). */
    public static Constitution fromJson(ObjectNode o) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException("unknown field '" + f + "' (expected one of " + FIELDS + ")");
            }
        }
        List<Principle> principles = new ArrayList<>();
        for (JsonNode p : array(o, "principles")) {
            principles.add(new Principle(text(p, "name", null), text(p, "text", null)));
        }
        List<Exemplar> exemplars = new ArrayList<>();
        for (JsonNode e : array(o, "exemplars")) {
            exemplars.add(new Exemplar(text(e, "context", null), text(e, "response_1", null),
                    text(e, "response_2", null), text(e, "preferred", null), text(e, "rationale", null)));
        }
        ClampBand clamp = null;
        JsonNode c = o.get("cot_clamp");
        if (c != null && !c.isNull()) {
            if (!c.isArray() || c.size() != 2 || !c.get(0).isNumber() || !c.get(1).isNumber()) {
                throw new IllegalArgumentException("constitution cot_clamp: expected [low, high], found " + c);
            }
            clamp = new ClampBand(c.get(0).asDouble(), c.get(1).asDouble());
        }
        JsonNode size = o.get("ensemble_size");
        if (size != null && !size.isIntegralNumber()) {
            throw new IllegalArgumentException("constitution ensemble_size: expected an integer, found " + size);
        }
        return new Constitution(text(o, "name", "constitution"), text(o, "preamble", null), principles,
                PrincipleMode.parse(text(o, "principle_mode", "sample")), size == null ? 0 : size.asInt(), exemplars,
                text(o, "ending", DEFAULT_ENDING), strings(o, "label_tokens", DEFAULT_LABEL_TOKENS),
                text(o, "cot_prompt", DEFAULT_COT_PROMPT), clamp, text(o, "score_preamble", DEFAULT_SCORE_PREAMBLE),
                text(o, "score_ending", DEFAULT_SCORE_ENDING), strings(o, "score_tokens", DEFAULT_SCORE_TOKENS),
                text(o, "critique_request", DEFAULT_CRITIQUE_REQUEST), text(o, "revision_request", DEFAULT_REVISION_REQUEST));
    }

    private static String text(JsonNode o, String field, String fallback) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("constitution " + field + ": expected a string, found " + v.getNodeType());
        }
        return v.asText();
    }

    private static Iterable<JsonNode> array(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException("constitution " + field + ": expected a list, found " + v.getNodeType());
        }
        for (JsonNode e : v) {
            if (!e.isObject()) {
                throw new IllegalArgumentException("constitution " + field + ": expected objects, found " + e.getNodeType());
            }
        }
        return v;
    }

    private static List<String> strings(ObjectNode o, String field, List<String> fallback) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (!e.isTextual()) {
                    out = null;
                    break;
                }
                out.add(e.asText());
            }
        }
        if (!v.isArray() || out == null) {
            throw new IllegalArgumentException("constitution " + field + ": expected a list of strings, found " + v);
        }
        return out;
    }

    /** The principle text put in place of {@code {principle}} in a critique or revision request. */
    public static String fillPrinciple(String template, Principle principle) {
        return template.replace("{principle}", principle.text());
    }

    /** Every field, defaults filled in, in a fixed order: the form that is hashed. */
    public ObjectNode toJson() {
        ObjectNode o = Jsonl.mapper().createObjectNode();
        o.put("name", name);
        o.put("preamble", preamble);
        ArrayNode ps = o.putArray("principles");
        principles.forEach(p -> ps.addObject().put("name", p.name()).put("text", p.text()));
        o.put("principle_mode", principleMode.jsonName());
        o.put("ensemble_size", ensembleSize);
        ArrayNode es = o.putArray("exemplars");
        for (Exemplar e : exemplars) {
            ObjectNode x = es.addObject().put("context", e.context()).put("response_1", e.response1())
                    .put("response_2", e.response2()).put("preferred", e.preferred());
            if (e.rationale() != null) {
                x.put("rationale", e.rationale());
            }
        }
        o.put("ending", ending);
        labelTokens.forEach(o.putArray("label_tokens")::add);
        o.put("cot_prompt", cotPrompt);
        if (cotClamp != null) {
            o.putArray("cot_clamp").add(cotClamp.low()).add(cotClamp.high());
        } else {
            o.putNull("cot_clamp");
        }
        o.put("score_preamble", scorePreamble);
        o.put("score_ending", scoreEnding);
        scoreTokens.forEach(o.putArray("score_tokens")::add);
        // the critique templates never shape a label: written only when changed, so hashes of labels stay as they were
        if (!critiqueRequest.equals(DEFAULT_CRITIQUE_REQUEST)) {
            o.put("critique_request", critiqueRequest);
        }
        if (!revisionRequest.equals(DEFAULT_REVISION_REQUEST)) {
            o.put("revision_request", revisionRequest);
        }
        return o;
    }

    /** The canonical bytes: {@link #toJson()} as compact UTF-8 JSON. */
    public byte[] canonicalBytes() {
        return Jsonl.toLine(toJson()).getBytes(StandardCharsets.UTF_8);
    }

    /** Lower-case hex SHA-256 of {@link #canonicalBytes()}, recorded with every label. */
    public String sha256() {
        return HexFormat.of().formatHex(digest(canonicalBytes()));
    }

    /**
     * The principles that judge the comparison {@code pairId}: all of them (ALL), one (SAMPLE) or
     * {@code ensembleSize} distinct ones (ENSEMBLE), drawn from a generator seeded by the SHA-256 of
     * the id, so a rerun or a resumed job picks the same ones whatever else it labels.
     */
    public List<Principle> principlesFor(String pairId) {
        if (principleMode == PrincipleMode.ALL) {
            return principles;
        }
        long seed = ByteBuffer.wrap(digest(pairId.getBytes(StandardCharsets.UTF_8))).getLong();
        Random rng = new Random(seed);
        int k = principleMode == PrincipleMode.SAMPLE ? 1 : ensembleSize;
        List<Principle> pool = new ArrayList<>(principles);
        List<Principle> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) { // partial Fisher-Yates: k distinct draws
            int j = i + rng.nextInt(pool.size() - i);
            Principle t = pool.get(j);
            pool.set(j, pool.get(i));
            pool.set(i, t);
            out.add(t);
        }
        return List.copyOf(out);
    }

    private static byte[] digest(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
