package org.rlaif4j.data;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Two responses to one prompt, to be compared by a labeler: a line of the pairs JSONL that
 * {@code generate} writes and {@code label} reads. {@code id} identifies the pair across
 * resumed runs (generate writes one; a file without ids gets its 1-based line number).
 */
public record PairRecord(String id, Prompt prompt, String responseA, String responseB) {
    public PairRecord {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("pair id must be a non-empty string");
        }
        if (prompt == null || responseA == null || responseB == null) {
            throw new IllegalArgumentException("prompt, response_a and response_b must be given");
        }
    }

    /** A pair over a text prompt. */
    public PairRecord(String id, String prompt, String responseA, String responseB) {
        this(id, Prompt.text(prompt), responseA, responseB);
    }

    /** Parses a pair line (standard or conversational); {@code lineNumber} is the id used when the line has none. */
    public static PairRecord fromJson(ObjectNode o, int lineNumber) {
        String id = o.has("id") && !o.get("id").isNull() ? o.get("id").asText() : Integer.toString(lineNumber);
        return new PairRecord(id, Prompt.fromJson(o, "prompt"), Prompt.response(o, "response_a", true),
                Prompt.response(o, "response_b", true));
    }

    public ObjectNode toJson() {
        ObjectNode o = Jsonl.mapper().createObjectNode();
        o.put("id", id);
        o.set("prompt", prompt.toJson());
        o.set("response_a", prompt.responseJson(responseA));
        o.set("response_b", prompt.responseJson(responseB));
        return o;
    }
}
