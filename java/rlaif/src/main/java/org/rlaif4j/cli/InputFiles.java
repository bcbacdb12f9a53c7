package org.rlaif4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.DataFormatException;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.Line;

/** Reading the JSONL inputs of resumable commands, whose records are keyed by id. */
final class InputFiles {
    private InputFiles() {
    }

    /** The id of a record: its {@code id} field, else its line number (as PairRecord does). */
    static String idOf(Line<ObjectNode> line) {
        ObjectNode o = line.value();
        return o.has("id") && !o.get("id").isNull() ? o.get("id").asText() : Integer.toString(line.number());
    }

    /**
     * Every line that {@code check} accepts, under {@code policy}; a repeated id is a bad line too,
     * since outputs are keyed by id and each input must be processed exactly once.
     */
    static List<Line<ObjectNode>> readUnique(Path file, Consumer<ObjectNode> check, BadLinePolicy policy,
                                             Consumer<String> warn) {
        List<Line<ObjectNode>> lines = Jsonl.read(file, o -> {
            check.accept(o);
            return o;
        }, policy, warn);
        Map<String, Integer> firstLine = new HashMap<>();
        List<Line<ObjectNode>> out = new ArrayList<>(lines.size());
        for (Line<ObjectNode> l : lines) {
            String id = idOf(l);
            Integer first = firstLine.putIfAbsent(id, l.number());
            if (first == null) {
                out.add(l);
                continue;
            }
            String message = file + ":" + l.number() + ": duplicate id '" + id + "' (first on line " + first + ")";
            if (policy == BadLinePolicy.FAIL) {
                throw new DataFormatException(message);
            }
            warn.accept(message);
        }
        return out;
    }
}
