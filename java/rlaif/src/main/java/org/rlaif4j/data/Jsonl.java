package org.rlaif4j.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/** Reading JSON Lines files: one JSON object per line, blank lines ignored. */
public final class Jsonl {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Jsonl() {
    }

    /** The shared mapper settings: compact output, one object per line. */
    public static ObjectMapper mapper() {
        return JSON;
    }

    /** One object as a single line of JSON, without the newline. */
    public static String toLine(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON node", e);
        }
    }

    /**
     * Parses every non-blank line of {@code file} with {@code parse}. A line that is not a JSON
     * object, or that {@code parse} rejects with an {@link IllegalArgumentException} or a
     * {@link DataFormatException}, is a bad line: with {@link BadLinePolicy#FAIL} it stops the
     * read with a {@code file:line: reason} message, with {@link BadLinePolicy#SKIP} the message
     * goes to {@code warn} and the line is left out.
     */
    public static <T> List<Line<T>> read(Path file, Function<ObjectNode, T> parse, BadLinePolicy policy,
                                         Consumer<String> warn) {
        List<Line<T>> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String text;
            int number = 0;
            while ((text = r.readLine()) != null) {
                number++;
                if (text.isBlank()) {
                    continue;
                }
                try {
                    out.add(new Line<>(number, parse.apply(parseObject(text))));
                } catch (IllegalArgumentException | DataFormatException e) {
                    String message = file + ":" + number + ": " + e.getMessage();
                    if (policy == BadLinePolicy.FAIL) {
                        throw new DataFormatException(message, e);
                    }
                    warn.accept(message);
                }
            }
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    /** Parses one line that must hold a JSON object. */
    public static ObjectNode parseObject(String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new DataFormatException("not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (!(node instanceof ObjectNode object)) {
            throw new DataFormatException("expected a JSON object, found " + (node == null ? "nothing" : node.getNodeType()));
        }
        return object;
    }

    /** A required string field; empty strings are allowed only when {@code allowEmpty}. */
    public static String requireString(ObjectNode node, String field, boolean allowEmpty) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new DataFormatException("missing field '" + field + "'");
        }
        if (!v.isTextual()) {
            throw new DataFormatException("field '" + field + "' must be a string, found " + v.getNodeType());
        }
        if (!allowEmpty && v.asText().isEmpty()) {
            throw new DataFormatException("field '" + field + "' is empty");
        }
        return v.asText();
    }

    /** An optional string field: null when absent or JSON null. */
    public static String optionalString(ObjectNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new DataFormatException("field '" + field + "' must be a string, found " + v.getNodeType());
        }
        return v.asText();
    }

    /** A required finite number. */
    public static double requireNumber(ObjectNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new DataFormatException("missing field '" + field + "'");
        }
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new DataFormatException("field '" + field + "' must be a finite number, found " + v);
        }
        return v.asDouble();
    }
}
