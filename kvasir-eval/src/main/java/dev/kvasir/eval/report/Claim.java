package dev.kvasir.eval.report;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A paper's claim about two configurations, in a form the report can test against the rows:
 * <pre>
 *   A &gt; B at BUDGET on TASK           A is better than B (the paired interval lies above zero)
 *   A &gt;= B - M at BUDGET on TASK      A is at most M points worse than B (non-inferiority margin M, default 0)
 * </pre>
 * A and B are method labels as in the rows ({@code full} for the full cache, whatever its
 * budget), BUDGET the requested budget of the compressed side(s), TASK a task name or
 * {@code mean} (the mean over tasks, each resampled within itself). "Better" follows the
 * measure's direction, so a claim on a loss reads the same way.
 *
 * <p>Verdicts, from the paired difference d = A − B oriented so that positive is better and its
 * 95 % interval [lo, hi]: for {@code >}, holds when lo &gt; 0, does not hold when hi ≤ 0; for
 * {@code >=}, holds when lo ≥ −M, does not hold when hi &lt; −M; otherwise inconclusive.
 *
 * @param statement the paper's words and numbers, for the reader
 * @param a         the method claimed better (or not worse)
 * @param strict    {@code >} rather than {@code >=}
 * @param b         the method compared with
 * @param margin    M, in the measure's units (0 for {@code >})
 * @param budget    requested budget of the compressed side(s)
 * @param task      a task name, or {@link #MEAN}
 */
public record Claim(String statement, String a, boolean strict, String b, double margin, double budget, String task) {
    public static final String MEAN = "mean";

    private static final Pattern FORM = Pattern.compile(
            "\\s*(\\S+)\\s*(>=|>)\\s*(\\S+?)(?:\\s*-\\s*([0-9.]+))?\\s+at\\s+([0-9.]+)\\s+on\\s+(\\S+)\\s*");

    public Claim {
        if (margin < 0) throw new IllegalArgumentException("a claim's margin must be >= 0");
        if (strict && margin != 0) throw new IllegalArgumentException("a margin belongs to >=, not >");
    }

    /** Parses {@code "A > B at 0.35 on mean"} or {@code "A >= B - 5 at 128 on niah"}. */
    public static Claim parse(String form, String statement) {
        Matcher m = FORM.matcher(form);
        if (!m.matches()) {
            throw new IllegalArgumentException("claim '" + form + "': expected 'A > B at BUDGET on TASK' or 'A >= B - MARGIN at BUDGET on TASK'");
        }
        boolean strict = m.group(2).equals(">");
        double margin = m.group(4) == null ? 0 : Double.parseDouble(m.group(4));
        return new Claim(statement, m.group(1), strict, m.group(3), margin, Double.parseDouble(m.group(5)), m.group(6));
    }

    /** The structured form, as parsed. */
    public String form() {
        return a + (strict ? " > " : " >= ") + b + (margin > 0 ? " - " + Format.budget(margin) : "") + " at " + Format.budget(budget)
                + " on " + task;
    }

    public enum Verdict {
        HOLDS("holds"), DOES_NOT_HOLD("does not hold"), INCONCLUSIVE("inconclusive"), NOT_MEASURED("not measured");

        public final String label;

        Verdict(String label) {
            this.label = label;
        }
    }

    /** A claim tested: the paired difference A − B (not oriented) with its interval and n, and the verdict. */
    public record Result(Claim claim, Bootstrap.Interval difference, Verdict verdict) {}

    /**
     * Tests the claim against {@code rows}; NOT_MEASURED when either side or the task is missing.
     * On the mean, the tasks are those both sides ran (a run in progress, or a method left out
     * of a task, does not hide the tasks already measured); NOT_MEASURED when there is none.
     */
    public Result test(List<ResultRow> rows, String fullMethod, Measure measure) {
        List<String> tasks = task.equals(MEAN) ? rows.stream().map(ResultRow::task).distinct().sorted().toList() : List.of(task);
        List<List<ResultRow>> as = new java.util.ArrayList<>(), bs = new java.util.ArrayList<>();
        for (String t : tasks) {
            List<ResultRow> sideA = side(rows, t, a, fullMethod), sideB = side(rows, t, b, fullMethod);
            if (sideA.isEmpty() || sideB.isEmpty()) continue;
            as.add(sideA);
            bs.add(sideB);
        }
        if (as.isEmpty()) return new Result(this, Bootstrap.Interval.NONE, Verdict.NOT_MEASURED);
        Bootstrap.Interval d = Paired.meanDifference(as, bs, measure);
        if (d.n() == 0) return new Result(this, d, Verdict.NOT_MEASURED);
        return new Result(this, d, verdict(d.scaled(measure.direction().sign)));
    }

    private Verdict verdict(Bootstrap.Interval better) {
        if (strict) {
            if (better.low() > 0) return Verdict.HOLDS;
            return better.high() <= 0 ? Verdict.DOES_NOT_HOLD : Verdict.INCONCLUSIVE;
        }
        if (better.low() >= -margin) return Verdict.HOLDS;
        return better.high() < -margin ? Verdict.DOES_NOT_HOLD : Verdict.INCONCLUSIVE;
    }

    private List<ResultRow> side(List<ResultRow> rows, String t, String method, String fullMethod) {
        boolean full = Summaries.isFull(method, fullMethod);
        return rows.stream().filter(r -> r.task().equals(t) && r.method().equals(method)
                && (full || r.budgetRequested() == budget)).toList();
    }

    /** The claims table in Markdown: claim, test, difference, interval, n, verdict. */
    public static String markdown(List<Result> results, Measure measure) {
        StringBuilder b = new StringBuilder("| claim (paper) | test | ").append(measure.label())
                .append(" difference A − B | 95 % CI | n | verdict |\n|---|---|---:|---:|---:|---|\n");
        for (Result r : results) {
            Bootstrap.Interval d = r.difference();
            boolean measured = r.verdict() != Verdict.NOT_MEASURED;
            b.append("| ").append(r.claim().statement().replace("|", "\\|")).append(" | `").append(r.claim().form()).append("` | ")
                    .append(measured ? Headline.signed(d.estimate()) : "–").append(" | ")
                    .append(measured ? "[" + Headline.signed(d.low()) + ", " + Headline.signed(d.high()) + "]" : "–").append(" | ")
                    .append(measured ? String.valueOf(d.n()) : "–").append(" | ")
                    .append(r.verdict() == Verdict.HOLDS || r.verdict() == Verdict.DOES_NOT_HOLD ? "**" + r.verdict().label + "**" : r.verdict().label)
                    .append(" |\n");
        }
        return b.toString();
    }

    /** One sentence per verdict naming its claims: the closing note of a results README. */
    public static String summary(List<Result> results) {
        StringBuilder b = new StringBuilder();
        for (Verdict v : Verdict.values()) {
            List<String> forms = results.stream().filter(r -> r.verdict() == v).map(r -> "`" + r.claim().form() + "`").toList();
            if (forms.isEmpty()) continue;
            b.append("- **").append(v.label.substring(0, 1).toUpperCase(Locale.ROOT)).append(v.label.substring(1)).append("** (")
                    .append(forms.size()).append(" of ").append(results.size()).append("): ").append(String.join(", ", forms)).append(".\n");
        }
        return b.toString();
    }
}
