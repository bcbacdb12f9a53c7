package org.rlaif4j.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.rlaif4j.data.AtomicFiles;

/** Writes results as {@code DIR/<metric>.json} and {@code DIR/<metric>.md}, each file atomically. */
public final class EvalReport {
    private EvalReport() {}

    /** @return the two files written, JSON first */
    public static List<Path> write(Path dir, EvalResult result) {
        Path json = dir.resolve(result.metric() + ".json");
        Path md = dir.resolve(result.metric() + ".md");
        String jsonText = result.toJson().toPrettyString() + "\n";
        String mdText = result.toMarkdown();
        AtomicFiles.writeString(json, jsonText);
        AtomicFiles.writeString(md, mdText);
        return List.of(json, md);
    }

    static void put(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key); // JSON has no NaN
        }
    }

    static void putInterval(ObjectNode o, String key, Interval ci) {
        o.putArray(key).add(ci.low()).add(ci.high());
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    static String ci(Interval i) {
        return String.format(Locale.ROOT, "[%.1f%%, %.1f%%]", 100 * i.low(), 100 * i.high());
    }

    /** A two-column markdown table. */
    static String table(String title, String[][] rows) {
        StringBuilder sb = new StringBuilder("### ").append(title).append("\n\n| metric | value |\n| --- | --- |\n");
        for (String[] r : rows) {
            sb.append("| ").append(r[0]).append(" | ").append(r[1].replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }
}
