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
import org.rlaif4j.data.PreferenceRecord;

/**
 * A preference record with where it came from ({@code file:line}) and its {@code id} field when
 * the line had one (null otherwise; {@link PreferenceRecord} would fill in the line number).
 */
public record LabeledPair(String origin, String explicitId, PreferenceRecord record) {
    /** Reads a preference JSONL; a line with an empty response is a bad line. */
    public static List<LabeledPair> read(Path file, BadLinePolicy policy, Consumer<String> warn) {
        List<LabeledPair> out = new ArrayList<>();
        for (Line<ObjectNode> line : Jsonl.read(file, o -> o, policy, warn)) {
            String origin = file + ":" + line.number();
            try {
                PreferenceRecord r = PreferenceRecord.fromJson(line.value(), line.number());
                requireNonEmpty(r.responseA(), "response A");
                requireNonEmpty(r.responseB(), "response B");
                out.add(new LabeledPair(origin, explicitId(line.value()), r));
            } catch (IllegalArgumentException | DataFormatException e) {
                if (policy == BadLinePolicy.FAIL) {
                    throw new DataFormatException(origin + ": " + e.getMessage(), e);
                }
                warn.accept(origin + ": " + e.getMessage());
            }
        }
        return out;
    }

    static String explicitId(ObjectNode o) {
        return o.hasNonNull("id") ? o.get("id").asText() : null;
    }

    static void requireNonEmpty(String s, String what) {
        if (s.isEmpty()) {
            throw new DataFormatException(what + " is empty");
        }
    }
}
