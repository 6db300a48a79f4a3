package dev.kvasir.eval.report;

import java.nio.file.Path;
import java.util.List;

/** The files a {@link ReportWriter} produced, and the summary they show. */
public record Report(Path markdown, Path csv, Path json, Path html, List<Path> figures, List<GroupSummary> summaries) {
    public Report {
        figures = List.copyOf(figures);
        summaries = List.copyOf(summaries);
    }
}
