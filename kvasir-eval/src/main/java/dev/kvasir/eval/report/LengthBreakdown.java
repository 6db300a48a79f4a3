package dev.kvasir.eval.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Scores per context length, for tasks run at several target lengths: each (task, method, budget, length) cell
 * with its n and 95 % bootstrap interval, as a Markdown section of report.md and as
 * {@code summary-by-length.csv}.
 */
public final class LengthBreakdown {
    private LengthBreakdown() {}

    record Cell(String task, String method, double budget, int length, Bootstrap.Interval score) {}

    /** Cells of the tasks with more than one context length, in summary order then by length. */
    static List<Cell> of(List<ResultRow> rows, List<GroupSummary> summaries) {
        Map<Summaries.Cell, List<ResultRow>> groups = Summaries.cells(rows);
        List<Cell> out = new ArrayList<>();
        for (GroupSummary s : summaries) {
            List<ResultRow> g = groups.get(Summaries.Cell.of(s));
            if (g == null) continue;
            if (!byTargetLength(rows, s.task())) continue;
            Map<Integer, List<ResultRow>> byLength = new TreeMap<>();
            for (ResultRow r : g) byLength.computeIfAbsent(r.contextLength(), l -> new ArrayList<>()).add(r);
            for (Map.Entry<Integer, List<ResultRow>> e : byLength.entrySet()) {
                out.add(new Cell(s.task(), s.method(), s.budget(), e.getKey(),
                        Bootstrap.mean(e.getValue().stream().mapToDouble(Measure.SCORE.value()).toArray())));
            }
        }
        return out;
    }

    /**
     * Whether a task was run at several target lengths, each with at least two samples (a
     * generated task); a file task's lengths are those of its rows, one or two samples each.
     */
    public static boolean byTargetLength(List<ResultRow> rows, String task) {
        Map<Integer, java.util.Set<String>> samples = new TreeMap<>();
        for (ResultRow r : rows) {
            if (r.task().equals(task)) samples.computeIfAbsent(r.contextLength(), l -> new java.util.HashSet<>()).add(r.sampleId());
        }
        return samples.size() > 1 && samples.values().stream().allMatch(ids -> ids.size() >= 2);
    }

    static String markdown(List<Cell> cells) {
        if (cells.isEmpty()) return "";
        StringBuilder b = new StringBuilder("\n## By context length\n\nScore [95 % CI] (n) per context length in tokens.\n");
        Map<String, List<Cell>> byTask = new TreeMap<>();
        for (Cell c : cells) byTask.computeIfAbsent(c.task(), t -> new ArrayList<>()).add(c);
        for (Map.Entry<String, List<Cell>> e : byTask.entrySet()) {
            List<Integer> lengths = new ArrayList<>(new TreeSet<>(e.getValue().stream().map(Cell::length).toList()));
            b.append("\n### ").append(e.getKey()).append("\n\n| method | budget |");
            for (int l : lengths) b.append(' ').append(l).append(" |");
            b.append("\n|---|---:|").append("---:|".repeat(lengths.size())).append('\n');
            Map<List<String>, String[]> rows = new java.util.LinkedHashMap<>();
            for (Cell c : e.getValue()) {
                String[] row = rows.computeIfAbsent(List.of(c.method().replace("|", "\\|"), Format.budget(c.budget())),
                        k -> new String[lengths.size()]);
                Bootstrap.Interval i = c.score();
                row[lengths.indexOf(c.length())] = Format.fixed(i.estimate(), 1) + " " + Format.interval(i.low(), i.high(), 1) + " (" + i.n() + ")";
            }
            for (Map.Entry<List<String>, String[]> r : rows.entrySet()) {
                b.append("| ").append(String.join(" | ", r.getKey())).append(" |");
                for (String v : r.getValue()) b.append(' ').append(v == null ? "–" : v).append(" |");
                b.append('\n');
            }
        }
        return b.toString();
    }

    static String csv(List<Cell> cells) {
        StringBuilder b = new StringBuilder("task,method,budget,context_length,n,score,ci_low,ci_high\n");
        for (Cell c : cells) {
            Bootstrap.Interval i = c.score();
            b.append(String.join(",", SummaryTables.csvText(c.task()), SummaryTables.csvText(c.method()), Format.raw(c.budget()),
                    String.valueOf(c.length()), String.valueOf(i.n()), Format.raw(i.estimate()), Format.raw(i.low()), Format.raw(i.high())))
                    .append('\n');
        }
        return b.toString();
    }
}
