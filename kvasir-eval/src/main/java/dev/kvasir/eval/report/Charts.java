package dev.kvasir.eval.report;

import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The report's figures, built from result rows:
 * <ul>
 *   <li>needle heatmaps, one per (task, method, budget): depth × context length, colour = mean
 *       score, red–yellow–green as in the needle-in-a-haystack papers;</li>
 *   <li>score versus budget, one per task, a line per method with its 95 % intervals and the full cache as a dashed line;</li>
 *   <li>per-layer kept entries (DynamicKV-style budget bars), one per (task, method), a bar series per budget;</li>
 *   <li>per-layer compression ratios (KVMerger-style), one per (task, method), a line per budget.</li>
 * </ul>
 */
final class Charts {
    private Charts() {}

    // the gkamradt / PyramidKV needle colormap: red (miss) → yellow → green (hit)
    private static final Color[] SCORE_COLORS = {new Color(0xF0, 0x49, 0x6E), new Color(0xEB, 0xB8, 0x39), new Color(0x0C, 0xD7, 0x9F)};

    static List<Figure> all(List<ResultRow> rows, String fullMethod, int width, int height) {
        List<Figure> out = new ArrayList<>();
        out.addAll(heatmaps(rows, width, height));
        out.addAll(budgetCurves(rows, fullMethod, width, height));
        out.addAll(layerBudgets(rows, width, height));
        out.addAll(layerRatios(rows, width, height));
        return out;
    }

    static List<Figure> heatmaps(List<ResultRow> rows, int width, int height) {
        Map<List<Object>, List<ResultRow>> groups = group(rows.stream().filter(r -> r.depth() != null && r.contextLength() > 0).toList(),
                r -> List.of(r.task(), r.method(), r.budgetRequested()));
        List<Figure> out = new ArrayList<>();
        for (List<ResultRow> g : groups.values()) {
            ResultRow first = g.getFirst();
            String title = first.task() + " — " + first.method() + " (budget " + Format.budget(first.budgetRequested()) + ")";
            String file = "niah-" + Format.slug(first.task()) + "-" + Format.slug(first.method()) + "-b" + Format.slug(Format.budget(first.budgetRequested())) + ".png";
            out.add(new Figure(file, "Needle retrieval score by depth and context length: " + title, heatmap(title, g, width, height)));
        }
        return out;
    }

    static HeatMapChart heatmap(String title, List<ResultRow> rows, int width, int height) {
        List<Integer> lengths = new ArrayList<>(new TreeSet<>(rows.stream().map(ResultRow::contextLength).toList()));
        // depth 0 % at the top, as in the papers: the first y category is drawn at the bottom
        List<Double> depths = new ArrayList<>(new TreeSet<>(rows.stream().map(ResultRow::depth).toList()).descendingSet());
        Map<List<Object>, double[]> cells = new LinkedHashMap<>();
        for (ResultRow r : rows) {
            double[] acc = cells.computeIfAbsent(List.of(r.contextLength(), r.depth()), k -> new double[2]);
            acc[0] += r.score();
            acc[1]++;
        }
        List<Number[]> heat = new ArrayList<>();
        for (Map.Entry<List<Object>, double[]> e : cells.entrySet()) {
            int x = lengths.indexOf((Integer) e.getKey().get(0));
            int y = depths.indexOf((Double) e.getKey().get(1));
            heat.add(new Number[] {x, y, 100 * e.getValue()[0] / e.getValue()[1]});
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(width).height(height).title(title)
                .xAxisTitle("context length (tokens)").yAxisTitle("needle depth (%)").build();
        chart.getStyler().setRangeColors(SCORE_COLORS).setMin(0).setMax(100).setShowValue(lengths.size() * depths.size() <= 120)
                .setHeatMapValueDecimalPattern("#0").setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<String> depthLabels = depths.stream().map(d -> Format.fixed(100 * d, 0)).toList();
        chart.addSeries("score", lengths, depthLabels, heat);
        return chart;
    }

    /** Okabe and Ito's colour-blind-safe palette ("Color Universal Design", 2008), black left for nothing. */
    static final Color[] OKABE_ITO = {new Color(0xE6, 0x9F, 0x00), new Color(0x56, 0xB4, 0xE9), new Color(0x00, 0x9E, 0x73),
            new Color(0x00, 0x72, 0xB2), new Color(0xD5, 0x5E, 0x00), new Color(0xCC, 0x79, 0xA7), new Color(0xF0, 0xE4, 0x42)};
    private static final org.knowm.xchart.style.markers.Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE,
            SeriesMarkers.DIAMOND, SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.CROSS, SeriesMarkers.PLUS};
    private static final java.awt.BasicStroke[] LINES = {SeriesLines.SOLID, SeriesLines.DASH_DOT, SeriesLines.DOT_DOT, SeriesLines.DASH_DASH};

    /**
     * Score against budget, a line per method with its 95 % intervals as vertical bars; methods
     * differ by colour (Okabe–Ito), marker and line style, so that overlapping lines stay apart in
     * grey print and for colour-blind readers, and each method's bars are shifted a little
     * sideways so that bars at one budget do not hide each other. The full cache is a dashed line,
     * its interval two dotted lines.
     */
    static List<Figure> budgetCurves(List<ResultRow> rows, String fullMethod, int width, int height) {
        List<Figure> out = new ArrayList<>();
        for (Map.Entry<String, List<GroupSummary>> e : SummaryTables.byTask(Summaries.of(rows, fullMethod)).entrySet()) {
            List<GroupSummary> compressed = e.getValue().stream().filter(s -> !Summaries.isFull(s.method(), fullMethod)).toList();
            if (compressed.isEmpty()) continue;
            XYChart chart = new XYChartBuilder().width(width).height(height).title(e.getKey() + ": score vs KV budget (95 % intervals)")
                    .xAxisTitle("budget (as requested)").yAxisTitle("score").build();
            style(chart);
            // scores are 0-100: a fixed range keeps charts of different tasks comparable
            chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
            double minX = compressed.stream().mapToDouble(GroupSummary::budget).min().orElse(0);
            double maxX = compressed.stream().mapToDouble(GroupSummary::budget).max().orElse(1);
            boolean log = minX > 0 && maxX / minX >= 16;
            if (log) chart.getStyler().setXAxisLogarithmic(true);
            Map<String, List<GroupSummary>> byMethod = new TreeMap<>();
            for (GroupSummary s : compressed) byMethod.computeIfAbsent(s.method(), m -> new ArrayList<>()).add(s);
            int k = 0;
            for (Map.Entry<String, List<GroupSummary>> m : byMethod.entrySet()) {
                List<GroupSummary> pts = m.getValue().stream().sorted(Comparator.comparingDouble(GroupSummary::budget)).toList();
                Color colour = OKABE_ITO[k % OKABE_ITO.length];
                // a sideways shift of up to ±2 % of the range (a factor on a log axis), the same for a method's points and bars
                double offset = byMethod.size() == 1 ? 0 : (k / (byMethod.size() - 1.0) - 0.5) * 0.04;
                double[] x = pts.stream().mapToDouble(s -> shifted(s.budget(), offset, minX, maxX, log)).toArray();
                XYSeries line = chart.addSeries(m.getKey(), x, pts.stream().mapToDouble(GroupSummary::score).toArray());
                line.setMarker(MARKERS[k % MARKERS.length]).setMarkerColor(colour).setLineColor(colour);
                line.setLineStyle(LINES[k % LINES.length]);
                for (int i = 0; i < pts.size(); i++) {
                    GroupSummary s = pts.get(i);
                    if (Double.isNaN(s.ciLow()) || s.ciLow() == s.ciHigh()) continue;
                    XYSeries bar = chart.addSeries(m.getKey() + " CI " + i, new double[] {x[i], x[i]}, new double[] {s.ciLow(), s.ciHigh()});
                    bar.setMarker(SeriesMarkers.NONE).setLineColor(colour).setShowInLegend(false);
                    bar.setLineStyle(SeriesLines.SOLID);
                }
                k++;
            }
            e.getValue().stream().filter(s -> Summaries.isFull(s.method(), fullMethod)).findFirst().ifPresent(full -> {
                double lo = minX == maxX ? minX * 0.9 : minX;
                double hi = minX == maxX ? maxX * 1.1 : maxX;
                XYSeries line = chart.addSeries(full.method() + " cache", new double[] {lo, hi}, new double[] {full.score(), full.score()});
                line.setMarker(SeriesMarkers.NONE);
                line.setLineStyle(SeriesLines.DASH_DASH);
                line.setLineColor(Color.DARK_GRAY);
                if (!Double.isNaN(full.ciLow()) && full.ciLow() != full.ciHigh()) {
                    for (double y : new double[] {full.ciLow(), full.ciHigh()}) {
                        XYSeries edge = chart.addSeries(full.method() + " CI " + y, new double[] {lo, hi}, new double[] {y, y});
                        edge.setMarker(SeriesMarkers.NONE).setLineColor(Color.GRAY).setShowInLegend(false);
                        edge.setLineStyle(SeriesLines.DOT_DOT);
                    }
                }
            });
            out.add(new Figure("score-vs-budget-" + Format.slug(e.getKey()) + ".png", "Score against KV budget with 95 % bootstrap intervals: "
                    + e.getKey(), chart));
        }
        return out;
    }

    private static double shifted(double x, double offset, double min, double max, boolean log) {
        if (offset == 0) return x;
        if (log) return x * Math.pow(max / min, offset);
        double range = max > min ? max - min : Math.max(Math.abs(x), 1);
        return x + offset * range;
    }

    static List<Figure> layerBudgets(List<ResultRow> rows, int width, int height) {
        List<Figure> out = new ArrayList<>();
        Map<List<Object>, List<ResultRow>> groups = group(rows.stream().filter(r -> r.layerKept() != null && r.layerKept().length > 0).toList(),
                r -> List.of(r.task(), r.method()));
        for (List<ResultRow> g : groups.values()) {
            ResultRow first = g.getFirst();
            CategoryChart chart = new CategoryChartBuilder().width(width).height(height)
                    .title(first.task() + " — " + first.method() + ": KV entries kept per layer")
                    .xAxisTitle("layer").yAxisTitle("entries kept (mean)").build();
            style(chart);
            chart.getStyler().setOverlapped(false).setXAxisLabelRotation(0);
            for (Map.Entry<Double, List<ResultRow>> b : byBudget(g).entrySet()) {
                double[] mean = meanPerLayer(b.getValue().stream().map(r -> toDouble(r.layerKept())).toList());
                chart.addSeries("budget " + Format.budget(b.getKey()), layers(mean.length), boxed(mean));
            }
            out.add(new Figure("layer-budget-" + Format.slug(first.task()) + "-" + Format.slug(first.method()) + ".png",
                    "Per-layer KV budget (entries kept): " + first.task() + ", " + first.method(), chart));
        }
        return out;
    }

    static List<Figure> layerRatios(List<ResultRow> rows, int width, int height) {
        List<Figure> out = new ArrayList<>();
        Map<List<Object>, List<ResultRow>> groups = group(rows.stream().filter(r -> r.layerRatios() != null && r.layerRatios().length > 0).toList(),
                r -> List.of(r.task(), r.method()));
        for (List<ResultRow> g : groups.values()) {
            ResultRow first = g.getFirst();
            XYChart chart = new XYChartBuilder().width(width).height(height)
                    .title(first.task() + " — " + first.method() + ": compression ratio per layer")
                    .xAxisTitle("layer").yAxisTitle("kept / full (mean)").build();
            style(chart);
            chart.getStyler().setYAxisMin(0.0);
            for (Map.Entry<Double, List<ResultRow>> b : byBudget(g).entrySet()) {
                double[] mean = meanPerLayer(b.getValue().stream().map(ResultRow::layerRatios).toList());
                double[] x = new double[mean.length];
                for (int i = 0; i < x.length; i++) x[i] = i;
                chart.addSeries("budget " + Format.budget(b.getKey()), x, mean).setMarker(SeriesMarkers.CIRCLE);
            }
            out.add(new Figure("layer-ratio-" + Format.slug(first.task()) + "-" + Format.slug(first.method()) + ".png",
                    "Per-layer compression ratio: " + first.task() + ", " + first.method(), chart));
        }
        return out;
    }

    private static void style(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart) {
        Styler s = chart.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
    }

    private static <K> Map<K, List<ResultRow>> group(List<ResultRow> rows, Function<ResultRow, K> key) {
        Map<K, List<ResultRow>> out = new LinkedHashMap<>();
        for (ResultRow r : rows) out.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r);
        return out;
    }

    private static Map<Double, List<ResultRow>> byBudget(List<ResultRow> rows) {
        Map<Double, List<ResultRow>> out = new TreeMap<>();
        for (ResultRow r : rows) out.computeIfAbsent(r.budgetRequested(), b -> new ArrayList<>()).add(r);
        return out;
    }

    /** Mean per layer index over arrays of possibly different lengths (each index over the arrays that have it). */
    static double[] meanPerLayer(List<double[]> arrays) {
        int n = arrays.stream().mapToInt(a -> a.length).max().orElse(0);
        double[] sum = new double[n];
        int[] count = new int[n];
        for (double[] a : arrays) {
            for (int i = 0; i < a.length; i++) {
                sum[i] += a[i];
                count[i]++;
            }
        }
        for (int i = 0; i < n; i++) sum[i] /= count[i];
        return sum;
    }

    private static double[] toDouble(int[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    private static List<Integer> layers(int n) {
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(i);
        return out;
    }

    private static List<Double> boxed(double[] a) {
        List<Double> out = new ArrayList<>(a.length);
        for (double v : a) out.add(v);
        return out;
    }
}
