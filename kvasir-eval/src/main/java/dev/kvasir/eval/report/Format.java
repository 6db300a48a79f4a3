package dev.kvasir.eval.report;

import java.util.Locale;

/** Number formatting shared by the Markdown, CSV and HTML outputs. */
final class Format {
    private Format() {}

    /** A budget as written by the user: 0.25, 128 (no trailing zeros). */
    static String budget(double b) {
        if (b == Math.rint(b) && Math.abs(b) < 1e15) return String.valueOf((long) b);
        return stripZeros(String.format(Locale.ROOT, "%.6f", b));
    }

    static String fixed(double v, int decimals) {
        if (Double.isNaN(v)) return "n/a";
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** An interval as {@code [low, high]}; n/a when undefined. */
    static String interval(double low, double high, int decimals) {
        if (Double.isNaN(low) || Double.isNaN(high)) return "n/a";
        return "[" + fixed(low, decimals) + ", " + fixed(high, decimals) + "]";
    }

    /** Bytes in binary units: 512 B, 1.50 KiB, 3.25 MiB. */
    static String bytes(double b) {
        if (Double.isNaN(b)) return "n/a";
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (Math.abs(b) >= 1024 && u < units.length - 1) {
            b /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f B", b) : String.format(Locale.ROOT, "%.2f %s", b, units[u]);
    }

    /** A plain number for CSV/JSON: full precision, no grouping, empty for NaN. */
    static String raw(double v) {
        if (Double.isNaN(v)) return "";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.valueOf((long) v);
        return String.valueOf(v);
    }

    private static String stripZeros(String s) {
        if (!s.contains(".")) return s;
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** A file-name-safe slug: letters, digits, dot, dash, underscore. */
    static String slug(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]+", "_");
    }
}
