package dev.kvasir.eval.report;

import org.knowm.xchart.BitmapEncoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns result rows into a report directory:
 * <pre>
 *   report.md      method × budget tables per task (score, % of full, KV bytes, achieved budget, tokens/s)
 *   summary.csv    the same numbers, unformatted
 *   fidelity.csv   the fidelity task's NLL, perplexity, KL and top-1 agreement, when it ran
 *   summary.json   the same numbers plus the figure list
 *   report.html    one self-contained page: tables and every figure embedded
 *   figures/*.png  needle heatmaps, score-vs-budget curves, per-layer budgets and ratios
 * </pre>
 * Charts are drawn off-screen (AWT headless), so this runs on servers and CI.
 */
public final class ReportWriter {
    static {
        // must be set before the first AWT class loads; harmless when already set
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    /**
     * @param title      heading of the Markdown and HTML pages
     * @param fullMethod name of the uncompressed baseline in the rows ({@code full}; FullKV and none are also recognised)
     * @param width      figure width in pixels
     * @param height     figure height in pixels
     */
    public record Options(String title, String fullMethod, int width, int height) {
        public Options {
            if (width < 200 || height < 150) throw new IllegalArgumentException("figures must be at least 200x150 pixels");
        }

        public static Options defaults() {
            return new Options("Kvasir evaluation report", "full", 900, 560);
        }
    }

    private final Options options;

    public ReportWriter() {
        this(Options.defaults());
    }

    public ReportWriter(Options options) {
        this.options = options;
    }

    /** Reads every {@code *.jsonl} results file below {@code resultsDir} and writes the report into {@code outDir}. */
    public Report write(Path resultsDir, Path outDir) throws IOException {
        return write(ResultsReader.read(resultsDir), outDir);
    }

    public Report write(List<ResultRow> rows, Path outDir) throws IOException {
        Path figuresDir = outDir.resolve("figures");
        Files.createDirectories(figuresDir);
        List<GroupSummary> summaries = Summaries.of(rows, options.fullMethod());

        List<Path> figureFiles = new ArrayList<>();
        List<String> relative = new ArrayList<>();
        List<HtmlPage.Image> images = new ArrayList<>();
        for (Figure f : Charts.all(rows, options.fullMethod(), options.width(), options.height())) {
            byte[] png = BitmapEncoder.getBitmapBytes(f.chart(), BitmapEncoder.BitmapFormat.PNG);
            Path file = figuresDir.resolve(f.fileName());
            Files.write(file, png);
            figureFiles.add(file);
            relative.add("figures/" + f.fileName());
            images.add(new HtmlPage.Image(f.caption(), png));
        }

        Path md = write(outDir.resolve("report.md"), SummaryTables.markdown(options.title(), summaries, relative)
                + FidelityTables.markdown(rows, options.fullMethod()));
        String fidelityCsv = FidelityTables.csv(rows, options.fullMethod());
        if (fidelityCsv.lines().count() > 1) write(outDir.resolve("fidelity.csv"), fidelityCsv);
        Path csv = write(outDir.resolve("summary.csv"), SummaryTables.csv(summaries));
        Path json = write(outDir.resolve("summary.json"), SummaryTables.json(options.title(), rows.size(), summaries, relative));
        Path html = write(outDir.resolve("report.html"), HtmlPage.render(options.title(), summaries, images));
        return new Report(md, csv, json, html, figureFiles, summaries);
    }

    private static Path write(Path file, String text) throws IOException {
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
