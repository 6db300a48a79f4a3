package dev.kvasir.cli;

import java.io.PrintStream;

/**
 * A one-line progress bar on standard error: redrawn in place on a terminal, printed at most
 * every 10% otherwise (so logs of non-interactive runs stay short). Silent when disabled.
 */
final class ProgressBar {
    private final PrintStream out;
    private final boolean enabled;
    private final boolean tty;
    private long started = System.nanoTime();
    private String label;
    private int lastDecile = -1;
    private long lastDraw;

    ProgressBar(PrintStream out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
        this.tty = System.console() != null;
    }

    void update(String what, long done, long total) {
        if (!enabled) return;
        if (!what.equals(label)) {
            if (label != null && tty) out.println();
            label = what;
            lastDecile = -1;
            started = System.nanoTime(); // each file has its own rate and ETA
        }
        long now = System.nanoTime();
        if (tty) {
            if (now - lastDraw < 100_000_000L && done != total) return;
            lastDraw = now;
            out.print("\r" + render(what, done, total, now));
            if (done == total) out.println();
            out.flush();
        } else {
            int decile = total > 0 ? (int) (done * 10 / total) : -1;
            if (decile != lastDecile && (decile >= 0)) {
                lastDecile = decile;
                out.println(render(what, done, total, now));
            }
        }
    }

    private String render(String what, long done, long total, long now) {
        double secs = (now - started) / 1e9;
        if (total <= 0) return String.format("%s: %s", what, human(done));
        double f = Math.min(1.0, (double) done / total);
        int width = 30;
        int filled = (int) Math.round(f * width);
        String eta = f > 0 && f < 1 ? String.format(" eta %.0fs", secs / f - secs) : "";
        return String.format("%s [%s%s] %3.0f%% %s/%s%s", what, "#".repeat(filled), " ".repeat(width - filled), f * 100,
                human(done), human(total), eta);
    }

    private static String human(long n) {
        if (n < 10_000) return Long.toString(n);
        if (n < 10_000_000) return String.format("%.1fk", n / 1e3);
        return String.format("%.1fM", n / 1e6);
    }
}
