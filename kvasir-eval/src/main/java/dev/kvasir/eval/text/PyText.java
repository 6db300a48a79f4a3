package dev.kvasir.eval.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python {@code str} semantics that the reference metrics depend on. Java's notion of whitespace
 * differs from Python's ({@code str.split()} also splits on U+00A0, U+2007, U+202F and U+0085),
 * and a metric ported with {@code String.split("\\s+")} gives different token counts on text
 * that contains them (news articles often do).
 */
public final class PyText {
    private PyText() {}

    /** Python's {@code string.punctuation}. */
    public static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /** Python's {@code str.isspace()} for one code point. */
    public static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || cp == 0x85 || cp == 0xA0 || cp == 0x2007 || cp == 0x202F;
    }

    /** Python's {@code s.split()} (no argument): runs of whitespace separate, no empty strings. */
    public static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
            int start = i;
            while (i < n && !isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
            if (i > start) out.add(s.substring(start, i));
        }
        return out;
    }

    /** Python's {@code s.strip()}. */
    public static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.codePointAt(start))) start += Character.charCount(s.codePointAt(start));
        while (end > start && isSpace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
        return s.substring(start, end);
    }

    /** Python's {@code s.lstrip(chars)}. */
    public static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && chars.indexOf(s.charAt(i)) >= 0) i++;
        return s.substring(i);
    }

    /** Python's {@code s.lower()} (locale independent). */
    public static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** {@code " ".join(s.split())}: collapses whitespace runs to one space and trims. */
    public static String collapseWhitespace(String s) {
        return String.join(" ", split(s));
    }

    /** Removes every character of {@code chars}. */
    public static String removeChars(String s, String chars) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (chars.indexOf(c) < 0) b.append(c);
        }
        return b.toString();
    }

    /** Python's {@code s.split(sep)} for a literal separator: keeps empty pieces. */
    public static List<String> splitLiteral(String s, String sep) {
        List<String> out = new ArrayList<>();
        int from = 0;
        int at;
        while ((at = s.indexOf(sep, from)) >= 0) {
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }
}
