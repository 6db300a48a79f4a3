package dev.kvasir.eval.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code headline.md}: the papers' layout (a row per method and budget, a column per task and
 * the mean over tasks) in three tables: the score with its 95 % interval, the paired difference
 * from the full cache, and the paired difference from the best other method at the same budget.
 * A difference whose interval excludes zero is marked better or worse (in bold); otherwise it is
 * inconclusive: the samples cannot tell the two apart.
 */
public final class Headline {
    private Headline() {}

    /** One headline row: a method at a budget (the full cache has one row, whatever its budget). */
    record Row(String method, double budget, boolean full) {}

    public static String markdown(String title, List<ResultRow> rows, String fullMethod, Measure measure) {
        Map<Summaries.Cell, List<ResultRow>> cells = Summaries.cells(rows);
        List<String> tasks = new ArrayList<>(new TreeSet<>(cells.keySet().stream().map(Summaries.Cell::task).toList()));
        List<Row> order = order(cells.keySet(), fullMethod);
        Row full = order.stream().filter(Row::full).findFirst().orElse(null);

        StringBuilder b = new StringBuilder("# ").append(title).append("\n\n");
        b.append(measure.label()).append(" by method and budget, with the 95 % percentile bootstrap interval over samples (")
                .append(Bootstrap.RESAMPLES).append(" resamples, fixed seed); the mean is over tasks, each task resampled within itself. ")
                .append(measure.direction() == Measure.Direction.HIGHER_IS_BETTER ? "Higher is better." : "Lower is better.").append("\n\n");
        b.append("## ").append(measure.label()).append("\n\n");
        header(b, tasks, cells);
        for (Row r : order) {
            b.append("| ").append(r.method()).append(" | ").append(r.full() ? "-" : Format.budget(r.budget())).append(" |");
            List<double[]> strata = new ArrayList<>();
            for (String t : tasks) {
                List<ResultRow> g = rowsOf(cells, t, r);
                if (g.isEmpty()) {
                    b.append(" – |");
                    continue;
                }
                double[] v = g.stream().mapToDouble(measure.value()).toArray();
                strata.add(v);
                b.append(' ').append(estimate(Bootstrap.mean(v))).append(" |");
            }
            b.append(' ').append(strata.size() == tasks.size() ? estimate(Bootstrap.meanOfStrata(strata.toArray(double[][]::new))) : "–")
                    .append(" |\n");
        }

        if (full != null) {
            b.append("\n## Difference from the full cache\n\n")
                    .append("Paired by sample: the mean of (method − full cache) and its 95 % interval.\n\n");
            header(b, tasks, cells);
            for (Row r : order) {
                if (r.full()) continue;
                b.append("| ").append(r.method()).append(" | ").append(Format.budget(r.budget())).append(" |");
                List<List<ResultRow>> as = new ArrayList<>(), bs = new ArrayList<>();
                for (String t : tasks) {
                    List<ResultRow> a = rowsOf(cells, t, r), f = rowsOf(cells, t, full);
                    as.add(a);
                    bs.add(f);
                    b.append(' ').append(difference(Paired.difference(a, f, measure), measure, null)).append(" |");
                }
                b.append(' ').append(allTasks(as, bs) ? difference(Paired.meanDifference(as, bs, measure), measure, null) : "–").append(" |\n");
            }
        }

        b.append("\n## Difference from the best other method\n\n")
                .append("Paired by sample: the method against the best other compressing method at the same budget on that task ")
                .append("(on the mean: the best mean); the other is named in each cell.\n\n");
        header(b, tasks, cells);
        for (Row r : order) {
            if (r.full()) continue;
            List<Row> others = order.stream().filter(o -> !o.full() && o.budget() == r.budget() && !o.method().equals(r.method())).toList();
            if (others.isEmpty()) continue;
            b.append("| ").append(r.method()).append(" | ").append(Format.budget(r.budget())).append(" |");
            for (String t : tasks) {
                Row best = best(others, o -> mean(rowsOf(cells, t, o), measure), measure);
                String cell = best == null || rowsOf(cells, t, r).isEmpty() ? "–"
                        : difference(Paired.difference(rowsOf(cells, t, r), rowsOf(cells, t, best), measure), measure, best.method());
                b.append(' ').append(cell).append(" |");
            }
            Row bestMean = best(others, o -> meanOverTasks(cells, tasks, o, measure), measure);
            String cell = "–";
            if (bestMean != null) {
                List<List<ResultRow>> as = tasks.stream().map(t -> rowsOf(cells, t, r)).toList();
                List<List<ResultRow>> bs = tasks.stream().map(t -> rowsOf(cells, t, bestMean)).toList();
                if (allTasks(as, bs)) cell = difference(Paired.meanDifference(as, bs, measure), measure, bestMean.method());
            }
            b.append(' ').append(cell).append(" |\n");
        }
        return b.toString();
    }

    /** The full cache first, then each budget from the largest down, methods by name. */
    static List<Row> order(java.util.Collection<Summaries.Cell> cells, String fullMethod) {
        Map<String, Row> out = new LinkedHashMap<>();
        for (Summaries.Cell c : cells) {
            boolean full = Summaries.isFull(c.method(), fullMethod);
            Row r = new Row(c.method(), full ? 0 : c.budget(), full);
            out.putIfAbsent(r.method() + "\0" + r.budget(), r);
        }
        List<Row> list = new ArrayList<>(out.values());
        list.sort(Comparator.comparing((Row r) -> !r.full()).thenComparing(Comparator.comparingDouble(Row::budget).reversed())
                .thenComparing(Row::method));
        return list;
    }

    static List<ResultRow> rowsOf(Map<Summaries.Cell, List<ResultRow>> cells, String task, Row r) {
        List<ResultRow> out = new ArrayList<>();
        for (Map.Entry<Summaries.Cell, List<ResultRow>> e : cells.entrySet()) {
            Summaries.Cell c = e.getKey();
            if (c.task().equals(task) && c.method().equals(r.method()) && (r.full() || c.budget() == r.budget())) out.addAll(e.getValue());
        }
        return out;
    }

    private static Row best(List<Row> candidates, java.util.function.ToDoubleFunction<Row> value, Measure measure) {
        Row best = null;
        double bestValue = Double.NaN;
        for (Row o : candidates) {
            double v = value.applyAsDouble(o);
            if (Double.isNaN(v)) continue;
            if (best == null || measure.better(v, bestValue) > 0) {
                best = o;
                bestValue = v;
            }
        }
        return best;
    }

    private static double mean(List<ResultRow> rows, Measure measure) {
        return rows.stream().mapToDouble(measure.value()).average().orElse(Double.NaN);
    }

    private static double meanOverTasks(Map<Summaries.Cell, List<ResultRow>> cells, List<String> tasks, Row r, Measure measure) {
        double sum = 0;
        for (String t : tasks) sum += mean(rowsOf(cells, t, r), measure);
        return sum / tasks.size();
    }

    private static boolean allTasks(List<List<ResultRow>> as, List<List<ResultRow>> bs) {
        for (int i = 0; i < as.size(); i++) if (as.get(i).isEmpty() || bs.get(i).isEmpty()) return false;
        return true;
    }

    private static void header(StringBuilder b, List<String> tasks, Map<Summaries.Cell, List<ResultRow>> cells) {
        b.append("| method | budget |");
        for (String t : tasks) {
            int n = cells.entrySet().stream().filter(e -> e.getKey().task().equals(t)).mapToInt(e -> e.getValue().size()).max().orElse(0);
            b.append(' ').append(t).append(" (n=").append(n).append(") |");
        }
        b.append(" mean |\n|---|---:|").append("---:|".repeat(tasks.size() + 1)).append('\n');
    }

    private static String estimate(Bootstrap.Interval i) {
        return Format.fixed(i.estimate(), 1) + " " + Format.interval(i.low(), i.high(), 1);
    }

    /** {@code +20.0 [6.7, 33.3] **better**}, or {@code … inconclusive}; {@code vs} names the other side when it varies. */
    static String difference(Bootstrap.Interval d, Measure measure, String vs) {
        if (d.n() == 0) return "–";
        String prefix = vs == null ? "" : "vs " + vs + ": ";
        String value = signed(d.estimate()) + " [" + signed(d.low()) + ", " + signed(d.high()) + "]";
        return prefix + value + " " + verdict(d, measure);
    }

    /** **better** / **worse** when the interval excludes zero (in the measure's direction), else inconclusive. */
    public static String verdict(Bootstrap.Interval d, Measure measure) {
        if (!d.excludesZero()) return "inconclusive";
        return measure.better(d.estimate(), 0) > 0 ? "**better**" : "**worse**";
    }

    static String signed(double v) {
        String s = Format.fixed(v, 1);
        return v > 0 && !s.equals("0.0") ? "+" + s : s.equals("-0.0") ? "0.0" : s;
    }
}
