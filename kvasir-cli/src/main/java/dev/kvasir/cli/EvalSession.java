package dev.kvasir.cli;

import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.model.Model;
import dev.kvasir.eval.run.ConsoleProgress;
import dev.kvasir.eval.run.EvalRunner;
import dev.kvasir.eval.run.InputFile;
import dev.kvasir.eval.run.RunManifest;
import dev.kvasir.eval.run.RunProgress;
import dev.kvasir.eval.run.RunReport;
import dev.kvasir.eval.run.ScoreArchive;
import dev.kvasir.eval.run.TaskSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What {@code eval} and {@code demo} share: run tasks into a directory, then report on it. */
final class EvalSession {
    private EvalSession() {}

    /** Runs every task ({@code preset}: its name, or null) (stopping early at the settings' row limit) and returns the rows written. */
    static int run(Model model, ModelOptions modelOptions, EvalRunner.Settings settings, List<TaskSpec> specs, Path out, String title,
                   String preset, boolean progress) throws IOException {
        new RunManifest(title, preset, model.name(), settings.queryMode().label(), settings.chatMode().name(), InputFile.of(specs)).ensure(out);
        RunProgress bar = progress ? new ConsoleProgress(System.err) : RunProgress.NONE;
        int restored = ScoreArchive.restore(out);
        if (restored > 0) System.err.println("restored " + restored + " committed rows from " + out.resolve(ScoreArchive.FOLDER));
        Generator.Options opts = Generator.Options.defaults().withThreads(modelOptions.threads()).withPrecisions(modelOptions.kvPrecision(), modelOptions.kvPrecisionValues());
        try (Generator gen = new Generator(model, opts)) {
            EvalRunner runner = new EvalRunner(model, gen, settings, bar);
            for (TaskSpec spec : specs) {
                if (runner.rowLimitReached()) break;
                runner.run(spec, out);
            }
            return runner.rowsWritten();
        }
    }

    /** Writes the report of {@code out} and prints the comparison table and where the files are. */
    static RunReport.Written report(Path out, PrintStream stdout) throws IOException {
        RunReport.Written w = RunReport.write(out);
        stdout.print(dev.kvasir.eval.run.ComparisonTable.text(w.report().summaries()));
        stdout.println();
        for (Path p : w.overviews()) stdout.println("heatmaps: " + p);
        stdout.println("report:   " + w.report().html());
        stdout.println("tables:   " + w.report().markdown() + ", " + w.headline() + ", " + w.report().csv());
        if (w.claims() != null) stdout.println("claims:   " + w.claims());
        if (w.readme() != null) stdout.println("readme:   " + w.readme());
        return w;
    }

    /**
     * The needle haystack: {@code --haystack}, else {@code $KVASIR_HAYSTACK}, else the Paul
     * Graham essays of the project's shared material ({@code ../shared} beside the checkout);
     * null when none exists.
     */
    static Path haystack(Path given) {
        if (given != null) return given;
        String env = System.getenv("KVASIR_HAYSTACK");
        if (env != null && !env.isBlank()) return Path.of(env);
        String home = System.getProperty("kvasir.home");
        for (Path base : home != null ? List.of(Path.of(home), Path.of("")) : List.of(Path.of(""))) {
            Path p = base.toAbsolutePath().resolve("../shared/data/haystack/paul_graham_essays").normalize();
            if (Files.isDirectory(p)) return p;
        }
        return null;
    }
}
