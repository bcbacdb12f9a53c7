package org.rlaif4j.cai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.rlaif4j.data.Jsonl;

/** One prompt's whole critique stage: the initial response and every round, in order. */
public record CritiqueChain(String id, String prompt, String initialResponse, List<CritiqueRound> rounds) {
    public CritiqueChain {
        rounds = List.copyOf(rounds);
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("critique chain '" + id + "': expected at least one round, found none");
        }
    }

    /** The last round's result: the response the SFT dataset learns. */
    public String finalResponse() {
        return rounds.get(rounds.size() - 1).result();
    }

    /** The SFT record: {@code {"id", "prompt", "response"}}, the format {@code sft} reads. */
    public ObjectNode toSftRecord() {
        ObjectNode o = Jsonl.mapper().createObjectNode();
        o.put("id", id).put("prompt", prompt).put("response", finalResponse());
        return o;
    }

    /** The chain record, with the run's settings so a resumed run can refuse to mix others in. */
    public ObjectNode toJson(String model, String constitutionSha256, long seed) {
        ObjectNode o = Jsonl.mapper().createObjectNode();
        o.put("id", id).put("prompt", prompt).put("initial_response", initialResponse);
        ArrayNode rs = o.putArray("rounds");
        for (CritiqueRound r : rounds) {
            rs.addObject().put("round", r.round()).put("principle", r.principle()).put("response", r.response())
                    .put("critique_request", r.critiqueRequest()).put("critique", r.critique())
                    .put("revision_request", r.revisionRequest()).put("revision", r.revision())
                    .put("revision_empty", r.revisionEmpty());
        }
        o.put("final_response", finalResponse());
        o.put("model", model).put("constitution_sha256", constitutionSha256).put("seed", seed);
        return o;
    }
}
