package org.rlaif4j.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.rlaif4j.data.AtomicFiles;

/** PNG line plots of logged metrics (headless AWT through XChart), written atomically. */
public final class Plots {
    private Plots() {
    }

    /**
     * One chart per entry of {@code panels} (title → metric keys), stacked vertically in one PNG,
     * each series plotted against {@code xKey}. Rows without a key or with a NaN value are left
     * out of that series; a panel with no points is drawn empty rather than failing.
     */
    public static void lines(List<Map<String, Double>> rows, String xKey, Map<String, List<String>> panels, Path png) {
        System.setProperty("java.awt.headless", "true");
        List<XYChart> charts = new ArrayList<>();
        for (Map.Entry<String, List<String>> panel : panels.entrySet()) {
            XYChart chart = new XYChartBuilder().width(800).height(300).title(panel.getKey()).xAxisTitle(xKey).build();
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            chart.getStyler().setLegendVisible(panel.getValue().size() > 1);
            for (String key : panel.getValue()) {
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (Map<String, Double> r : rows) {
                    Double x = r.get(xKey);
                    Double y = r.get(key);
                    if (x != null && y != null && !x.isNaN() && !y.isNaN() && !y.isInfinite()) {
                        xs.add(x);
                        ys.add(y);
                    }
                }
                if (xs.isEmpty()) {
                    continue;
                }
                chart.addSeries(key, xs, ys).setMarker(xs.size() > 50 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
            }
            charts.add(chart);
        }
        AtomicFiles.write(png, out -> {
            var image = new java.awt.image.BufferedImage(800, 300 * Math.max(1, charts.size()),
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            var g = image.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            for (int i = 0; i < charts.size(); i++) {
                g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), 0, 300 * i, null);
            }
            g.dispose();
            if (!javax.imageio.ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer in this JDK");
            }
        });
    }

    /**
     * One bar chart: a bar per entry of {@code values} (label → value), with a dashed reference line
     * at {@code reference} (NaN for none), for example win rates against 50%.
     */
    public static void bars(String title, String yTitle, Map<String, Double> values, double reference, Path png) {
        System.setProperty("java.awt.headless", "true");
        org.knowm.xchart.CategoryChart chart = new org.knowm.xchart.CategoryChartBuilder().width(800).height(400)
                .title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.addSeries(yTitle, new ArrayList<>(values.keySet()), new ArrayList<>(values.values()));
        if (!Double.isNaN(reference)) {
            chart.getStyler().setOverlapped(true);
            List<Double> ref = new ArrayList<>();
            values.keySet().forEach(k -> ref.add(reference));
            chart.addSeries("reference", new ArrayList<>(values.keySet()), ref)
                    .setChartCategorySeriesRenderStyle(org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle.Line)
                    .setMarker(SeriesMarkers.NONE).setLineColor(Color.GRAY);
        }
        AtomicFiles.write(png, out -> {
            if (!javax.imageio.ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", out)) {
                throw new IOException("no PNG writer in this JDK");
            }
        });
    }
}
