package dev.kvasir.chat;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code datetime.now().strftime(format)} in the C locale, for the {@code strftime_now}
 * function that Llama 3.x-style templates use to stamp today's date into the system prompt.
 * Hugging Face calls it on a naive local time, so {@code %z} and {@code %Z} are empty. The glibc
 * {@code %-d} flag (no padding) is supported because templates use it; unknown directives are
 * kept as written, as glibc does.
 */
final class Strftime {
    private Strftime() {}

    static String format(LocalDateTime t, String format) {
        StringBuilder out = new StringBuilder(format.length() + 16);
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            int start = i;
            boolean pad = true;
            char d = format.charAt(++i);
            if (d == '-' && i + 1 < format.length()) {
                pad = false;
                d = format.charAt(++i);
            }
            switch (d) {
                case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b', 'h' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'd' -> num(out, t.getDayOfMonth(), 2, pad);
                case 'e' -> out.append(pad ? String.format("%2d", t.getDayOfMonth()) : Integer.toString(t.getDayOfMonth()));
                case 'm' -> num(out, t.getMonthValue(), 2, pad);
                case 'y' -> num(out, t.getYear() % 100, 2, pad);
                case 'Y' -> out.append(t.getYear());
                case 'H' -> num(out, t.getHour(), 2, pad);
                case 'I' -> num(out, (t.getHour() + 11) % 12 + 1, 2, pad);
                case 'M' -> num(out, t.getMinute(), 2, pad);
                case 'S' -> num(out, t.getSecond(), 2, pad);
                case 'f' -> num(out, t.getNano() / 1000, 6, true);
                case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> num(out, t.getDayOfYear(), 3, pad);
                case 'w' -> out.append(t.getDayOfWeek().getValue() % 7);
                case 'u' -> out.append(t.getDayOfWeek().getValue());
                case 'D', 'x' -> out.append(format(t, "%m/%d/%y"));
                case 'F' -> out.append(format(t, "%Y-%m-%d"));
                case 'T', 'X' -> out.append(format(t, "%H:%M:%S"));
                case 'R' -> out.append(format(t, "%H:%M"));
                case 'c' -> out.append(format(t, "%a %b %e %H:%M:%S %Y"));
                case 'z', 'Z' -> { } // naive datetime: no zone
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case '%' -> out.append('%');
                default -> out.append(format, start, i + 1);
            }
        }
        return out.toString();
    }

    private static void num(StringBuilder out, int value, int width, boolean pad) {
        String s = Integer.toString(value);
        if (pad) out.append("0".repeat(Math.max(0, width - s.length())));
        out.append(s);
    }
}
