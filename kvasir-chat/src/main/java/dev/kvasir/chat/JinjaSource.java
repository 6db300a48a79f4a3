package dev.kvasir.chat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites a template so that Jinjava, with all of its own whitespace handling off, renders the
 * whitespace exactly as jinja2's lexer does under Hugging Face's settings.
 *
 * <p>Jinjava's {@code lstrip_blocks} strips spaces before any block tag, even one that follows
 * text on the same line, and it applies neither {@code lstrip_blocks} nor {@code trim_blocks} to
 * comments; chat templates are full of both, and a stray space or newline changes the tokens. So
 * this class resolves every piece of whitespace control itself, following jinja2's
 * {@code Lexer.tokeniter}: the {@code -} and {@code +} markers, {@code lstrip_blocks} (spaces
 * before a block/comment that begins a line), {@code trim_blocks} (the newline after a
 * block/comment), line endings normalised and one trailing newline dropped
 * ({@code keep_trailing_newline=False}). Comments are removed, markers dropped, raw blocks kept
 * verbatim. Inside tags it also rewrites {@code x[::-1]} to {@code (x|reverse)}, a slice step
 * Jinjava cannot parse.
 */
final class JinjaSource {
    private final String s;
    private final StringBuilder out;
    private int pos;
    /** Where the current text data begins in {@link #out}: whitespace stripping never crosses a tag. */
    private int textStart;
    /** jinja2's {@code line_starting}: the previous token's match ended with a newline. */
    private boolean lineStarting = true;

    private JinjaSource(String source) {
        this.s = source;
        this.out = new StringBuilder(source.length());
    }

    static String prepare(String source) {
        String normalised = source.replace("\r\n", "\n").replace('\r', '\n');
        if (normalised.endsWith("\n")) normalised = normalised.substring(0, normalised.length() - 1);
        JinjaSource p = new JinjaSource(normalised);
        p.run();
        return p.out.toString();
    }

    private void run() {
        while (pos < s.length()) {
            int open = nextOpening(pos);
            if (open < 0) {
                out.append(s, pos, s.length());
                return;
            }
            out.append(s, pos, open);
            tag(open);
        }
    }

    private int nextOpening(int from) {
        for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
            char c = s.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    private void tag(int open) {
        char kind = s.charAt(open + 1);          // '{' expression, '%' block, '#' comment
        int bodyStart = open + 2;
        char left = bodyStart < s.length() ? s.charAt(bodyStart) : 0;
        if (left == '-' || left == '+') bodyStart++;
        else left = 0;

        if (left == '-') {
            stripTrailingWhitespace();
        } else if (left != '+' && kind != '{') {
            lstripBlock();
        }

        int close = kind == '#' ? s.indexOf("#}", bodyStart) : closing(bodyStart, kind == '{' ? "}}" : "%}");
        if (close < 0) throw unclosed(open, kind);
        char right = close > bodyStart ? s.charAt(close - 1) : 0;
        if (right != '-' && !(right == '+' && kind != '{')) right = 0;
        String body = s.substring(bodyStart, right != 0 ? close - 1 : close);
        pos = close + 2;

        if (kind == '{') {
            out.append("{{").append(reverseSlices(body)).append("}}");
        } else if (kind == '%') {
            out.append("{%").append(reverseSlices(body)).append("%}");
        }
        boolean raw = kind == '%' && body.strip().equals("raw");
        // jinja2's raw_begin has no trim_blocks newline: only '-' strips after it.
        afterTag(right, kind == '{' || raw);
        if (raw) rawBlock(open);
    }

    /** After a tag's closing delimiter: '-' strips all whitespace, else trim_blocks takes one newline. */
    private void afterTag(char right, boolean noTrimBlocks) {
        if (right == '-') {
            int start = pos;
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
            lineStarting = pos > start && s.charAt(pos - 1) == '\n';
        } else if (right != '+' && !noTrimBlocks && pos < s.length() && s.charAt(pos) == '\n') {
            pos++;
            lineStarting = true;
        } else {
            lineStarting = false;
        }
        textStart = out.length();
    }

    /** {@code {% raw %}...{% endraw %}}: the content is data; only the endraw tag's own whitespace control applies. */
    private void rawBlock(int open) {
        Matcher end = ENDRAW.matcher(s);
        if (!end.find(pos)) throw unclosed(open, 'r');
        out.append(s, pos, end.start());
        String left = end.group(1), right = end.group(2);
        if (left.equals("-")) stripTrailingWhitespace();
        else if (!left.equals("+")) lstripBlock();
        out.append("{% endraw %}");
        pos = end.end();
        afterTag(right.isEmpty() ? 0 : right.charAt(0), false);
    }

    private static final Pattern ENDRAW = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}");

    /** jinja2 {@code text.rstrip()} of the data before a {@code -} marker. */
    private void stripTrailingWhitespace() {
        int end = out.length();
        while (end > textStart && Character.isWhitespace(out.charAt(end - 1))) end--;
        out.setLength(end);
    }

    /**
     * lstrip_blocks: spaces between the start of the line and a block or comment are removed. The
     * line start is the last newline in the current data, or the data's beginning when the
     * previous token ended a line.
     */
    private void lstripBlock() {
        int lineStart = -1;
        for (int i = out.length() - 1; i >= textStart; i--) {
            if (out.charAt(i) == '\n') {
                lineStart = i + 1;
                break;
            }
        }
        if (lineStart < 0 && lineStarting) lineStart = textStart;
        if (lineStart < 0) return;
        for (int i = lineStart; i < out.length(); i++) {
            if (!Character.isWhitespace(out.charAt(i))) return;
        }
        out.setLength(lineStart);
    }

    /** The closing delimiter at bracket depth 0 outside string literals (a dict literal may contain "}}"). */
    private int closing(int from, String delimiter) {
        int depth = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(i);
                if (i < 0) return -1;
            } else if (depth == 0 && s.startsWith(delimiter, i)) {
                return i;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
        return -1;
    }

    /** Index of the quote closing the string literal opened at {@code open}, or -1. */
    private int stringEnd(int open) {
        char quote = s.charAt(open);
        for (int i = open + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') i++;
            else if (c == quote) return i;
        }
        return -1;
    }

    private ChatTemplateException unclosed(int open, char kind) {
        int line = 1;
        for (int i = 0; i < open; i++) if (s.charAt(i) == '\n') line++;
        String what = switch (kind) {
            case '{' -> "expression '{{' has no '}}'";
            case '%' -> "tag '{%' has no '%}'";
            case '#' -> "comment '{#' has no '#}'";
            default -> "raw block has no {% endraw %}";
        };
        return new ChatTemplateException("chat template failed to parse: line " + line + ": " + what, false, null);
    }

    // ---- x[::-1] ----------------------------------------------------------------------------

    private static final Pattern REVERSE_SLICE = Pattern.compile("\\[\\s*:\\s*:\\s*-\\s*1\\s*]");

    /** Rewrites {@code x[::-1]} (x a name with any .attr, [...], (...) suffixes, or a parenthesised expression) to {@code (x|reverse)}. */
    static String reverseSlices(String expression) {
        Matcher m = REVERSE_SLICE.matcher(expression);
        if (!m.find()) return expression;
        StringBuilder result = new StringBuilder(expression.length() + 16);
        int copied = 0;
        do {
            int start = operandStart(expression, m.start());
            if (start < copied) continue; // not an operand we understand: Jinjava will report the syntax error
            result.append(expression, copied, start).append('(').append(expression, start, m.start()).append("|reverse)");
            copied = m.end();
        } while (m.find());
        return result.append(expression, copied, expression.length()).toString();
    }

    private static int operandStart(String s, int end) {
        int i = end;
        while (i > 0) {
            char c = s.charAt(i - 1);
            if (c == ']' || c == ')') {
                int open = matchingOpen(s, i - 1);
                if (open < 0) return -1;
                i = open;
                if (c == ')' && (i == 0 || !isNameChar(s.charAt(i - 1)))) return i; // (expr)[::-1]
            } else if (isNameChar(c)) {
                while (i > 0 && isNameChar(s.charAt(i - 1))) i--;
                if (i > 0 && s.charAt(i - 1) == '.') {
                    i--;
                } else {
                    return i;
                }
            } else {
                return -1;
            }
        }
        return -1;
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static int matchingOpen(String s, int close) {
        int depth = 0;
        for (int i = close; i >= 0; i--) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                int q = s.lastIndexOf(c, i - 1);
                if (q < 0) return -1;
                i = q;
            } else if (c == ']' || c == ')') {
                depth++;
            } else if ((c == '[' || c == '(') && --depth == 0) {
                return i;
            }
        }
        return -1;
    }
}
