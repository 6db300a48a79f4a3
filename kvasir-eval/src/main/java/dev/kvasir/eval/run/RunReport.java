package dev.kvasir.eval.run;

import dev.kvasir.eval.report.Report;
import dev.kvasir.eval.report.FidelityTables;
import dev.kvasir.eval.report.ReportWriter;
import dev.kvasir.eval.report.ResultRow;
import dev.kvasir.eval.report.ResultsReader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/**
 * The report of a results directory, written into it: {@link ReportWriter}'s files plus
 * {@code headline.md} (the papers' method × budget layout) and, for needle tasks,
 * {@code figures/<task>-heatmaps.png} with every configuration's heatmap side by side.
 */
public final class RunReport {
    private RunReport() {}

    /** What was written. */
    public record Written(Report report, Path headline, List<Path> overviews) {}

    public static Written write(Path dir) throws IOException {
        List<ResultRow> rows = ResultsReader.read(dir);
        if (rows.isEmpty()) throw new IllegalArgumentException("no result rows (*.jsonl) in " + dir);
        String title = title(dir, rows);
        ReportWriter.Options o = ReportWriter.Options.defaults();
        Report report = new ReportWriter(new ReportWriter.Options(title, o.fullMethod(), o.width(), o.height())).write(rows, dir);
        Path headline = Files.writeString(dir.resolve("headline.md"),
                "# " + title + "\n\nScore (task metric ×100; for fidelity, top-1 agreement with the full cache) by method and budget.\n\n"
                        + ComparisonTable.headlineMarkdown(report.summaries()) + FidelityTables.markdown(rows, o.fullMethod()),
                StandardCharsets.UTF_8);
        List<Path> overviews = HeatmapOverview.write(dir.resolve("figures"), report.figures());
        return new Written(report, headline, overviews);
    }

    /** The manifest's title with the query mode; without a manifest, the modes found in the rows. */
    static String title(Path dir, List<ResultRow> rows) throws IOException {
        RunManifest m = RunManifest.read(dir);
        TreeSet<String> modes = new TreeSet<>();
        for (ResultRow r : rows) modes.add(r.queryMode());
        String mode = "query-" + String.join(" + query-", modes);
        if (m == null) return "Kvasir evaluation (" + mode + ")";
        return m.title() + " — " + m.model() + ", " + mode;
    }
}
