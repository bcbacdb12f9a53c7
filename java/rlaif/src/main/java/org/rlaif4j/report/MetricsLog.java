package org.rlaif4j.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.Jsonl;

/**
 * Training metrics: one JSON object per {@link #log} appended to {@code metrics.jsonl} (flushed
 * at once, so a killed run keeps what it logged), kept in memory for {@link #writeCsv} and
 * {@link #plot} at the end.
 */
public final class MetricsLog implements Closeable {
    private final Path jsonl;
    private final BufferedWriter out;
    private final List<Map<String, Double>> rows = new ArrayList<>();

    private MetricsLog(Path jsonl, BufferedWriter out) {
        this.jsonl = jsonl;
        this.out = out;
    }

    /** Opens {@code file} for appending (a resumed run continues the same log). */
    public static MetricsLog open(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics log " + file, e);
        }
    }

    /** Appends one row; keys keep their insertion order in the CSV. */
    public synchronized void log(Map<String, ? extends Number> values) {
        ObjectNode o = Jsonl.mapper().createObjectNode();
        Map<String, Double> row = new LinkedHashMap<>();
        for (Map.Entry<String, ? extends Number> e : values.entrySet()) {
            double v = e.getValue().doubleValue();
            row.put(e.getKey(), v);
            if (e.getValue() instanceof Integer || e.getValue() instanceof Long) {
                o.put(e.getKey(), e.getValue().longValue());
            } else if (Double.isFinite(v)) {
                o.put(e.getKey(), v);
            } else {
                o.putNull(e.getKey()); // JSON has no NaN/Infinity
            }
        }
        rows.add(row);
        try {
            out.write(Jsonl.toLine(o));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + jsonl, e);
        }
    }

    /** Rows logged by this process (not those of an earlier, resumed run). */
    public synchronized List<Map<String, Double>> rows() {
        return List.copyOf(rows);
    }

    /** Reads a metrics.jsonl back as rows (null values become NaN). */
    public static List<Map<String, Double>> read(Path file) {
        List<Map<String, Double>> out = new ArrayList<>();
        for (var line : Jsonl.read(file, o -> o, org.rlaif4j.data.BadLinePolicy.FAIL, w -> { })) {
            Map<String, Double> row = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = line.value().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                row.put(e.getKey(), e.getValue().isNumber() ? e.getValue().asDouble() : Double.NaN);
            }
            out.add(row);
        }
        return out;
    }

    /** Writes rows as CSV (union of keys as columns, empty cells where a row lacks a key), atomically. */
    public static void writeCsv(List<Map<String, Double>> rows, Path file) {
        Set<String> cols = new LinkedHashSet<>();
        rows.forEach(r -> cols.addAll(r.keySet()));
        StringBuilder sb = new StringBuilder(String.join(",", cols)).append('\n');
        for (Map<String, Double> r : rows) {
            List<String> cells = new ArrayList<>();
            for (String c : cols) {
                Double v = r.get(c);
                cells.add(v == null || v.isNaN() ? "" : (v == Math.rint(v) && Math.abs(v) < 1e15
                        ? Long.toString(v.longValue()) : Double.toString(v)));
            }
            sb.append(String.join(",", cells)).append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
    }

    /**
     * Keeps the rows of {@code file} whose {@code step} is at most {@code step} (those a run resumed
     * from that step will not log again; none for a fresh run, {@code step} = 0), rewritten atomically.
     * A missing file is fine; a torn last line (a kill mid-write) is dropped.
     */
    public static void keepUpToStep(Path file, long step) {
        if (!Files.exists(file)) {
            return;
        }
        StringBuilder kept = new StringBuilder();
        if (step > 0) {
            for (var line : Jsonl.read(file, o -> o, org.rlaif4j.data.BadLinePolicy.SKIP, w -> { })) {
                if (line.value().path("step").asLong(Long.MAX_VALUE) <= step) {
                    kept.append(Jsonl.toLine(line.value())).append('\n');
                }
            }
        }
        AtomicFiles.writeString(file, kept.toString());
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + jsonl, e);
        }
    }
}
