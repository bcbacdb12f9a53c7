package org.rlaif4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    @TempDir
    Path dir;

    @Test
    void metricsGoToJsonlCsvAndAPng() throws Exception {
        Path jsonl = dir.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.open(jsonl)) {
            for (int step = 1; step <= 5; step++) {
                Map<String, Number> row = new LinkedHashMap<>();
                row.put("step", step);
                row.put("loss", 1.0 / step);
                if (step % 2 == 0) {
                    row.put("eval_acc", 0.5 + step / 20.0);
                }
                log.log(row);
            }
            log.log(Map.of("step", 6, "loss", Double.NaN));
        }
        List<Map<String, Double>> rows = MetricsLog.read(jsonl);
        assertEquals(6, rows.size());
        assertEquals(0.25, rows.get(3).get("loss"));
        assertEquals(Double.NaN, rows.get(5).get("loss"));
        Path csv = dir.resolve("metrics.csv");
        MetricsLog.writeCsv(rows, csv);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("step,loss,eval_acc", lines.get(0));
        assertEquals("1,1,", lines.get(1));
        assertEquals("2,0.5,0.6", lines.get(2));
        Path png = dir.resolve("plot.png");
        Plots.lines(rows, "step", Map.of("loss", List.of("loss"), "accuracy", List.of("eval_acc")), png);
        var image = ImageIO.read(png.toFile());
        assertEquals(800, image.getWidth());
        assertEquals(600, image.getHeight());
    }
}
