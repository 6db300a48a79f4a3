package dev.kvasir.core.json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader for the core module, which must not depend on third-party
 * libraries. It reads config.json, tokenizer.json and safetensors headers. Objects become
 * {@link LinkedHashMap} (key order kept: tokenizer merges and vocabularies depend on it),
 * arrays {@link List}, numbers {@link Long} when integral and in range, otherwise
 * {@link Double}; {@code true/false/null} become Boolean / null.
 * Errors name the source and the character offset.
 */
public final class Json {
    private final String text;
    private final String source;
    private int pos;
    private int depth;
    private static final int MAX_DEPTH = 512;

    private Json(String text, String source) {
        this.text = text;
        this.source = source;
    }

    /** Parses one JSON value; {@code source} names the file in error messages. */
    public static Object parse(String text, String source) {
        Json p = new Json(text, source);
        p.skipWs();
        Object v = p.value();
        p.skipWs();
        if (p.pos != text.length()) throw p.error("unexpected trailing content");
        return v;
    }

    public static Object parse(String text) {
        return parse(text, "<json>");
    }

    private JsonException error(String message) {
        return new JsonException(source + ": invalid JSON at offset " + pos + ": " + message);
    }

    private void skipWs() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
            else break;
        }
    }

    private Object value() {
        if (pos >= text.length()) throw error("unexpected end of input");
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Object literal(String word, Object v) {
        if (!text.startsWith(word, pos)) throw error("expected " + word);
        pos += word.length();
        return v;
    }

    private Map<String, Object> object() {
        if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        pos++; // {
        Map<String, Object> map = new LinkedHashMap<>();
        skipWs();
        if (peek() == '}') {
            pos++;
            depth--;
            return map;
        }
        while (true) {
            skipWs();
            if (peek() != '"') throw error("expected a string key");
            String key = string();
            skipWs();
            if (peek() != ':') throw error("expected ':'");
            pos++;
            skipWs();
            map.put(key, value());
            skipWs();
            char c = peek();
            pos++;
            if (c == ',') continue;
            if (c == '}') break;
            pos--;
            throw error("expected ',' or '}'");
        }
        depth--;
        return map;
    }

    private List<Object> array() {
        if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        pos++; // [
        List<Object> list = new ArrayList<>();
        skipWs();
        if (peek() == ']') {
            pos++;
            depth--;
            return list;
        }
        while (true) {
            skipWs();
            list.add(value());
            skipWs();
            char c = peek();
            pos++;
            if (c == ',') continue;
            if (c == ']') break;
            pos--;
            throw error("expected ',' or ']'");
        }
        depth--;
        return list;
    }

    private char peek() {
        if (pos >= text.length()) throw error("unexpected end of input");
        return text.charAt(pos);
    }

    private String string() {
        pos++; // opening quote
        StringBuilder sb = null;
        int start = pos;
        while (true) {
            if (pos >= text.length()) throw error("unterminated string");
            char c = text.charAt(pos);
            if (c == '"') {
                String s = sb == null ? text.substring(start, pos) : sb.append(text, start, pos).toString();
                pos++;
                return s;
            }
            if (c == '\\') {
                if (sb == null) sb = new StringBuilder();
                sb.append(text, start, pos);
                pos++;
                char e = peek();
                pos++;
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (pos + 4 > text.length()) throw error("truncated \\u escape");
                        int cp;
                        try {
                            cp = Integer.parseInt(text.substring(pos, pos + 4), 16);
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        sb.append((char) cp);
                        pos += 4;
                    }
                    default -> {
                        pos--;
                        throw error("bad escape '\\" + e + "'");
                    }
                }
                start = pos;
            } else {
                if (c < 0x20) throw error("control character in string");
                pos++;
            }
        }
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') pos++;
        boolean integral = true;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c >= '0' && c <= '9') pos++;
            else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                integral = false;
                pos++;
            } else break;
        }
        String s = text.substring(start, pos);
        try {
            if (integral) {
                if (s.length() < 19) return Long.parseLong(s);
                return Double.parseDouble(s);
            }
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            pos = start;
            throw error("bad number '" + s + "'");
        }
    }

    // ---- typed access helpers -------------------------------------------------------------

    @SuppressWarnings("unchecked")
    public static Map<String, Object> asObject(Object v, String what) {
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new JsonException(what + ": expected a JSON object, got " + describe(v));
    }

    @SuppressWarnings("unchecked")
    public static List<Object> asArray(Object v, String what) {
        if (v instanceof List<?> l) return (List<Object>) l;
        throw new JsonException(what + ": expected a JSON array, got " + describe(v));
    }

    public static String asString(Object v, String what) {
        if (v instanceof String s) return s;
        throw new JsonException(what + ": expected a string, got " + describe(v));
    }

    public static long asLong(Object v, String what) {
        if (v instanceof Long l) return l;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.0e15) return d.longValue();
        throw new JsonException(what + ": expected an integer, got " + describe(v));
    }

    public static double asDouble(Object v, String what) {
        if (v instanceof Number n) return n.doubleValue();
        throw new JsonException(what + ": expected a number, got " + describe(v));
    }

    public static boolean asBoolean(Object v, String what) {
        if (v instanceof Boolean b) return b;
        throw new JsonException(what + ": expected true or false, got " + describe(v));
    }

    public static Map<String, Object> emptyObject() {
        return Collections.emptyMap();
    }

    private static String describe(Object v) {
        if (v == null) return "null";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String s) return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        return v.toString();
    }

    /** Writes a JSON string literal (used by small writers in the core). */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
