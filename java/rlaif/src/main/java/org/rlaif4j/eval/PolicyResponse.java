package org.rlaif4j.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.Line;
import org.rlaif4j.data.Prompt;

/**
 * One policy's response to a prompt: a line {@code {"id": ..., "prompt": ..., "response": ...}}
 * ({@code id} optional; the prompt a string or a list of messages, the response a string or one
 * assistant message). {@code explicitId} is null when the line has no id.
 */
public record PolicyResponse(String origin, String explicitId, Prompt prompt, String response) {
    /** A response to a text prompt. */
    public PolicyResponse(String origin, String explicitId, String prompt, String response) {
        this(origin, explicitId, Prompt.text(prompt), response);
    }

    /** Reads a responses JSONL; missing fields and empty responses are bad lines. */
    public static List<PolicyResponse> read(Path file, BadLinePolicy policy, Consumer<String> warn) {
        List<PolicyResponse> out = new ArrayList<>();
        for (Line<ObjectNode> line : Jsonl.read(file, o -> o, policy, warn)) {
            String origin = file + ":" + line.number();
            try {
                ObjectNode o = line.value();
                out.add(new PolicyResponse(origin, LabeledPair.explicitId(o), Prompt.fromJson(o, "prompt"),
                        Prompt.response(o, "response", false)));
            } catch (DataFormatException e) {
                if (policy == BadLinePolicy.FAIL) {
                    throw new DataFormatException(origin + ": " + e.getMessage(), e);
                }
                warn.accept(origin + ": " + e.getMessage());
            }
        }
        return out;
    }
}
