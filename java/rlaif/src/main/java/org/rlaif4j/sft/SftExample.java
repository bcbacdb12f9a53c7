package org.rlaif4j.sft;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rlaif4j.data.Jsonl;

/**
 * One supervised example: a prompt and the response the model should learn to give. A line of
 * the SFT JSONL: {@code {"prompt": "...", "response": "..."}} (the response may be empty).
 */
public record SftExample(String prompt, String response) {
    public SftExample {
        if (prompt == null || response == null) {
            throw new IllegalArgumentException("prompt and response: expected strings, found null");
        }
    }

    public static SftExample fromJson(ObjectNode o) {
        return new SftExample(Jsonl.requireString(o, "prompt", false), Jsonl.requireString(o, "response", true));
    }
}
