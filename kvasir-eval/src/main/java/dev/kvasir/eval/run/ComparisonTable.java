package dev.kvasir.eval.run;

import dev.kvasir.eval.report.GroupSummary;
import dev.kvasir.eval.report.Summaries;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Text tables of a run's summaries, for the terminal and for READMEs. */
public final class ComparisonTable {
    private ComparisonTable() {}

    private static final List<String> HEADERS = List.of("method", "budget", "n", "score", "95% CI", "% of full", "KV MB", "achieved",
            "prefill t/s", "decode t/s");

    /** Per task, one aligned line per (method, budget): what the demo prints. */
    public static String text(List<GroupSummary> summaries) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, List<GroupSummary>> e : byTask(summaries).entrySet()) {
            List<List<String>> rows = new ArrayList<>();
            rows.add(HEADERS);
            for (GroupSummary s : e.getValue()) rows.add(cells(s));
            int[] width = new int[HEADERS.size()];
            for (List<String> r : rows) for (int i = 0; i < r.size(); i++) width[i] = Math.max(width[i], r.get(i).length());
            b.append(e.getKey()).append('\n');
            for (List<String> r : rows) {
                StringBuilder line = new StringBuilder("  ");
                for (int i = 0; i < r.size(); i++) {
                    String c = r.get(i);
                    // names left-aligned, numbers right-aligned
                    line.append(i == 0 ? pad(c, width[i], false) : pad(c, width[i], true)).append(i < r.size() - 1 ? "  " : "");
                }
                b.append(line.toString().stripTrailing()).append('\n');
            }
        }
        return b.toString();
    }

    private static List<String> cells(GroupSummary s) {
        boolean full = Summaries.isFull(s.method(), MethodSpec.FULL);
        return List.of(s.method(), full ? "-" : budget(s.budget()), String.valueOf(s.samples()), fixed(s.score(), 1),
                "[" + fixed(s.ciLow(), 1) + ", " + fixed(s.ciHigh(), 1) + "]",
                fixed(s.pctOfFull(), 0) + (Double.isNaN(s.pctOfFull()) ? "" : "%"), fixed(s.kvBytesKept() / 1e6, 1),
                fixed(s.budgetAchieved(), 3), fixed(s.prefillTokensPerSecond(), 0), fixed(s.decodeTokensPerSecond(), 1));
    }

    private static Map<String, List<GroupSummary>> byTask(List<GroupSummary> summaries) {
        Map<String, List<GroupSummary>> out = new LinkedHashMap<>();
        for (GroupSummary s : summaries) out.computeIfAbsent(s.task(), t -> new ArrayList<>()).add(s);
        return out;
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return right ? fill + s : s + fill;
    }

    static String budget(double b) {
        if (b == Math.rint(b)) return String.valueOf((long) b);
        String s = String.format(Locale.ROOT, "%.4f", b).replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
