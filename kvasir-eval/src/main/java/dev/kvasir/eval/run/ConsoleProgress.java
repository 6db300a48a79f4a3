package dev.kvasir.eval.run;

import dev.kvasir.eval.report.ResultRow;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar with ETA on standard error. On a terminal the line is redrawn in place (prefill
 * progress inside a sample included); otherwise one line per finished sample, so logs stay short.
 * The ETA extrapolates the time per row of this run (rows found done are not counted); it is
 * shown once a sample has finished, since a sample's first row carries its whole prefill.
 */
public final class ConsoleProgress implements RunProgress {
    private final PrintStream out;
    private final boolean tty;
    private String task;
    private int total;
    private int done;
    private long started;
    private long lastDraw;
    private String lastSample = "";
    private int samplesSeen;

    public ConsoleProgress(PrintStream out) {
        this(out, System.console() != null);
    }

    public ConsoleProgress(PrintStream out, boolean tty) {
        this.out = out;
        this.tty = tty;
    }

    @Override
    public void taskStarted(String task, int samples, int rowsToDo, int rowsDone) {
        this.task = task;
        this.total = rowsToDo;
        this.done = 0;
        this.samplesSeen = 0;
        this.lastSample = "";
        this.started = System.nanoTime();
        out.printf(Locale.ROOT, "%s: %d samples, %d rows to compute%s%n", task, samples, rowsToDo,
                rowsDone > 0 ? " (" + rowsDone + " already done, skipped)" : "");
    }

    @Override
    public void prefill(String sampleId, int doneTokens, int totalTokens) {
        if (!tty) return;
        long now = System.nanoTime();
        if (now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        draw(String.format(Locale.ROOT, "%s prefill %d/%d", sampleId, doneTokens, totalTokens));
    }

    @Override
    public void rowWritten(ResultRow row, String configuration) {
        done++;
        boolean newSample = !row.sampleId().equals(lastSample);
        if (newSample) samplesSeen++;
        lastSample = row.sampleId();
        String detail = String.format(Locale.ROOT, "%s %s score %.0f", row.sampleId(), configuration, 100 * row.score());
        if (tty) {
            draw(detail);
        } else if (newSample || done == total) {
            // one line per sample: printed when its first row lands, and at the very end
            out.println(line(detail));
        }
    }

    @Override
    public void taskFinished(String task, int rowsWritten) {
        if (tty) out.println();
        double secs = (System.nanoTime() - started) / 1e9;
        out.printf(Locale.ROOT, "%s: %d rows in %s%n", task, rowsWritten, duration(secs));
    }

    @Override
    public void note(String message) {
        if (tty) out.print("\r\033[K");
        out.println(message);
    }

    private void draw(String detail) {
        out.print("\r\033[K" + line(detail));
        out.flush();
    }

    private String line(String detail) {
        double f = total == 0 ? 1 : (double) done / total;
        int width = 24;
        int filled = (int) Math.round(f * width);
        double secs = (System.nanoTime() - started) / 1e9;
        String eta = samplesSeen > 1 && done < total ? " eta " + duration(secs / done * (total - done)) : "";
        return String.format(Locale.ROOT, "%s [%s%s] %d/%d rows%s  %s", task, "#".repeat(filled), " ".repeat(width - filled),
                done, total, eta, detail);
    }

    /** A duration for people: 42s, 3m07s, 1h05m. */
    public static String duration(double secs) {
        long s = Math.round(secs);
        if (s < 60) return s + "s";
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
