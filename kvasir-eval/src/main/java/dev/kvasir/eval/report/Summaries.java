package dev.kvasir.eval.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/** Groups result rows by (task, method, requested budget) and averages them. */
public final class Summaries {
    private Summaries() {}

    /** Whether a method name denotes the uncompressed baseline ({@code full}, {@code FullKV}, {@code none}). */
    public static boolean isFull(String method, String fullMethod) {
        String m = method.toLowerCase(Locale.ROOT);
        return m.equals(fullMethod.toLowerCase(Locale.ROOT)) || m.equals("fullkv") || m.equals("none");
    }

    /**
     * One summary per group, ordered by task, baseline first, then method name and budget.
     * "% of full" compares with the baseline's mean over the same sample ids when the baseline
     * has any of them, else with the baseline's mean over the whole task.
     */
    public static List<GroupSummary> of(List<ResultRow> rows, String fullMethod) {
        Map<Cell, List<ResultRow>> groups = cells(rows);

        // baseline scores by task and sample id
        Map<String, Map<String, List<Double>>> full = new HashMap<>();
        for (ResultRow r : rows) {
            if (isFull(r.method(), fullMethod)) {
                full.computeIfAbsent(r.task(), t -> new HashMap<>()).computeIfAbsent(r.sampleId(), s -> new ArrayList<>()).add(r.score());
            }
        }

        List<GroupSummary> out = new ArrayList<>();
        for (List<ResultRow> g : groups.values()) {
            ResultRow first = g.getFirst();
            Bootstrap.Interval ci = Bootstrap.mean(g.stream().mapToDouble(Measure.SCORE.value()).toArray());
            double score = ci.estimate();
            double reference = baseline(full.get(first.task()), g.stream().map(ResultRow::sampleId).collect(Collectors.toSet()));
            double pct = reference > 0 ? score / reference * 100 : Double.NaN;
            out.add(new GroupSummary(first.task(), first.method(), first.budgetRequested(), g.size(), score, pct,
                    mean(g, r -> r.kvBytesKept()), mean(g, r -> r.kvBytesFull()), mean(g, ResultRow::budgetAchieved),
                    mean(g, ResultRow::prefillTokensPerSecond), mean(g, ResultRow::decodeTokensPerSecond),
                    mean(g, ResultRow::compressMillis), mean(g, r -> r.promptTokens()), ci.low(), ci.high(), mean(g, r -> r.kvBytesKeptLogical()),
                    g.stream().map(ResultRow::budgetNote).filter(Objects::nonNull).distinct().toList()));
        }
        out.sort(Comparator.comparing(GroupSummary::task)
                .thenComparing(s -> !isFull(s.method(), fullMethod))
                .thenComparing(GroupSummary::method)
                .thenComparingDouble(GroupSummary::budget));
        return out;
    }

    /**
     * How the rows' methods compare in memory, one sentence for report.md and headline.md: at equal
     * bytes when every compressed row kept its requested budget within 2 % of key/value bytes,
     * otherwise which configurations did not (their notes say why).
     */
    public static String bytesComparison(List<GroupSummary> summaries) {
        List<String> off = summaries.stream().filter(s -> !s.budgetNotes().isEmpty())
                .map(s -> s.task() + " " + s.method() + " " + Format.budget(s.budget())).distinct().toList();
        if (off.isEmpty()) {
            return "Methods are compared at equal bytes: every compressed row kept its requested budget within 2 % of key/value bytes.";
        }
        return "Methods are compared at their requested budgets; these configurations kept more than 2 % more or fewer key/value bytes "
                + "than requested (see the budget notes): " + String.join("; ", off) + ".";
    }

    /** The baseline mean (0–100) over the given ids if it has any of them, else over all its samples; NaN without a baseline. */
    private static double baseline(Map<String, List<Double>> fullById, Set<String> ids) {
        if (fullById == null || fullById.isEmpty()) return Double.NaN;
        List<Double> matched = new ArrayList<>();
        for (String id : ids) {
            List<Double> s = fullById.get(id);
            if (s != null) matched.addAll(s);
        }
        if (matched.isEmpty()) fullById.values().forEach(matched::addAll);
        return 100 * matched.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Identifies a summary cell: rows of one task, method and requested budget. */
    public record Cell(String task, String method, double budget) {
        public static Cell of(ResultRow r) {
            return new Cell(r.task(), r.method(), r.budgetRequested());
        }

        public static Cell of(GroupSummary s) {
            return new Cell(s.task(), s.method(), s.budget());
        }
    }

    /** The rows of each cell, in first-seen order. */
    public static Map<Cell, List<ResultRow>> cells(List<ResultRow> rows) {
        Map<Cell, List<ResultRow>> out = new LinkedHashMap<>();
        for (ResultRow r : rows) out.computeIfAbsent(Cell.of(r), k -> new ArrayList<>()).add(r);
        return out;
    }

    static double mean(List<ResultRow> rows, ToDoubleFunction<ResultRow> f) {
        return rows.stream().mapToDouble(f).average().orElse(Double.NaN);
    }
}
