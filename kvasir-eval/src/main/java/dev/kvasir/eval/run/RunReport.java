package dev.kvasir.eval.run;

import dev.kvasir.eval.report.Bootstrap;
import dev.kvasir.eval.report.Claim;
import dev.kvasir.eval.report.Headline;
import dev.kvasir.eval.report.LengthBreakdown;
import dev.kvasir.eval.report.Measure;
import dev.kvasir.eval.report.Report;
import dev.kvasir.eval.report.FidelityTables;
import dev.kvasir.eval.report.ReportWriter;
import dev.kvasir.eval.report.ResultRow;
import dev.kvasir.eval.report.ResultsReader;
import dev.kvasir.eval.report.Summaries;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The report of a results directory, written into it: {@link ReportWriter}'s files plus
 * {@code headline.md} (the papers' method × budget layout with intervals and paired
 * differences), {@code claims.md} (the preset's claims tested against the rows), for needle tasks
 * {@code figures/<task>-heatmaps.png} with every configuration's heatmap side by side, and
 * {@code README.md} when the directory has a {@link ReadmeTemplate}.
 */
public final class RunReport {
    private RunReport() {}

    /** What was written; {@code claims} and {@code readme} are null when not written. */
    public record Written(Report report, Path headline, List<Path> overviews, Path claims, Path readme) {}

    public static Written write(Path dir) throws IOException {
        // rows committed by earlier sessions or other machines (scores/) come back first; the archive is then rewritten
        ScoreArchive.restore(dir);
        List<ResultRow> rows = ResultsReader.read(dir);
        if (rows.isEmpty()) throw new IllegalArgumentException("no result rows (*.jsonl) in " + dir);
        ScoreArchive.save(dir);
        RunManifest manifest = RunManifest.read(dir);
        String title = title(manifest, rows);
        ReportWriter.Options o = ReportWriter.Options.defaults();
        Report report = new ReportWriter(new ReportWriter.Options(title, o.fullMethod(), o.width(), o.height())).write(rows, dir);
        String headlineText = Headline.markdown(title, rows, o.fullMethod(), Measure.SCORE);
        // the title line, then whether the methods were compared at equal bytes, then the tables
        int afterTitle = headlineText.indexOf('\n') + 1;
        headlineText = headlineText.substring(0, afterTitle) + "\n" + Summaries.bytesComparison(report.summaries()) + "\n"
                + headlineText.substring(afterTitle);
        headlineText += FidelityTables.markdown(rows, o.fullMethod());
        Path headline = Files.writeString(dir.resolve("headline.md"), headlineText, StandardCharsets.UTF_8);
        List<Path> overviews = HeatmapOverview.write(dir.resolve("figures"), report.figures());

        List<Claim.Result> claims = new ArrayList<>();
        if (manifest != null && manifest.preset() != null) {
            for (Claim c : Presets.byName(manifest.preset()).claims()) claims.add(c.test(rows, o.fullMethod(), Measure.SCORE));
        }
        Path claimsFile = null;
        if (!claims.isEmpty()) {
            claimsFile = Files.writeString(dir.resolve("claims.md"), "# Claims: " + title + "\n\n" + claimsIntro() + "\n"
                    + Claim.markdown(claims, Measure.SCORE) + "\n" + Claim.summary(claims), StandardCharsets.UTF_8);
        }

        Path readme = null;
        Path template = dir.resolve(ReadmeTemplate.FILE);
        if (Files.isRegularFile(template)) {
            Map<String, String> parts = new LinkedHashMap<>();
            parts.put("title", title);
            parts.put("run", runDescription(manifest, rows));
            parts.put("tasks", tasksTable(rows));
            parts.put("headline", headlineText.substring(headlineText.indexOf('\n') + 1));
            parts.put("claims", claims.isEmpty() ? "No claims are listed for this run." : claimsIntro() + "\n" + Claim.markdown(claims, Measure.SCORE));
            parts.put("verdicts", claims.isEmpty() ? "" : Claim.summary(claims));
            readme = Files.writeString(dir.resolve(ReadmeTemplate.OUTPUT),
                    ReadmeTemplate.fill(Files.readString(template, StandardCharsets.UTF_8), parts), StandardCharsets.UTF_8);
        }
        return new Written(report, headline, overviews, claimsFile, readme);
    }

    private static String claimsIntro() {
        return "Each claim of the paper tested on this run's samples: the paired difference A − B of the score (×100), its 95 % "
                + "percentile bootstrap interval (" + Bootstrap.RESAMPLES + " resamples, fixed seed; on `mean`, each task resampled "
                + "within itself) and n, the samples paired. `A > B` holds when the interval lies above zero and does not hold when "
                + "it lies at or below zero; `A >= B - M` holds when the interval lies above −M and does not hold when it lies below −M; "
                + "otherwise the samples cannot decide: inconclusive.\n";
    }

    /** Model, preset, prompt settings and the inputs with their hashes. */
    static String runDescription(RunManifest m, List<ResultRow> rows) {
        StringBuilder b = new StringBuilder();
        TreeSet<String> modes = rows.stream().map(ResultRow::queryMode).collect(Collectors.toCollection(TreeSet::new));
        if (m != null) {
            b.append("- **Model:** ").append(m.model()).append('\n');
            if (m.preset() != null) b.append("- **Preset:** `").append(m.preset()).append("`\n");
            b.append("- **Prompts:** query-").append(String.join(" + query-", modes)).append(", chat template ")
                    .append(m.chat().toLowerCase(Locale.ROOT)).append('\n');
            if (m.inputs().isEmpty()) b.append("- **Inputs:** none recorded\n");
            for (InputFile in : m.inputs()) b.append("- **Input:** ").append(in.describe()).append('\n');
        } else {
            b.append("- **Prompts:** query-").append(String.join(" + query-", modes)).append(" (no run.json: model and inputs unknown)\n");
        }
        b.append("- **Rows:** ").append(rows.size()).append(" (one per sample, method and budget)\n");
        return b.toString();
    }

    /** Per task: samples, context lengths, needle depths and prompt lengths, from the rows. */
    static String tasksTable(List<ResultRow> rows) {
        Map<String, List<ResultRow>> byTask = new TreeMap<>();
        for (ResultRow r : rows) byTask.computeIfAbsent(r.task(), t -> new ArrayList<>()).add(r);
        StringBuilder b = new StringBuilder("| task | samples | context lengths | needle depths | prompt tokens |\n|---|---:|---|---|---|\n");
        for (Map.Entry<String, List<ResultRow>> e : byTask.entrySet()) {
            List<ResultRow> g = e.getValue();
            long samples = g.stream().map(ResultRow::sampleId).distinct().count();
            List<Integer> all = g.stream().map(ResultRow::contextLength).filter(l -> l > 0).distinct().sorted().toList();
            // a generated task's target lengths, or the range of a file task's
            String lengths = all.size() <= 1 || LengthBreakdown.byTargetLength(rows, e.getKey())
                    ? all.stream().map(String::valueOf).collect(Collectors.joining(", "))
                    : all.getFirst() + "–" + all.getLast();
            String depths = g.stream().map(ResultRow::depth).filter(d -> d != null).distinct().sorted()
                    .map(d -> ComparisonTable.budget(d)).collect(Collectors.joining(", "));
            int min = g.stream().mapToInt(ResultRow::promptTokens).min().orElse(0);
            int max = g.stream().mapToInt(ResultRow::promptTokens).max().orElse(0);
            b.append("| ").append(e.getKey()).append(" | ").append(samples).append(" | ").append(lengths.isEmpty() ? "–" : lengths)
                    .append(" | ").append(depths.isEmpty() ? "–" : depths).append(" | ").append(min == max ? min : min + "–" + max).append(" |\n");
        }
        return b.toString();
    }

    /** The manifest's title with the query mode; without a manifest, the modes found in the rows. */
    static String title(RunManifest m, List<ResultRow> rows) {
        TreeSet<String> modes = new TreeSet<>();
        for (ResultRow r : rows) modes.add(r.queryMode());
        String mode = "query-" + String.join(" + query-", modes);
        if (m == null) return "Kvasir evaluation (" + mode + ")";
        return m.title() + " — " + m.model() + ", " + mode;
    }
}
