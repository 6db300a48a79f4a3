package dev.kvasir.chat;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} as Hugging Face's {@code tojson} filter calls it
 * ({@code ensure_ascii=False}, {@code indent=None}, {@code separators=None},
 * {@code sort_keys=False} by default). Tool schemas are serialised into prompts with it, so the
 * exact spacing (", " and ": ", or "," plus newlines when indenting) and float spelling
 * ({@code 1.0}, {@code 1e-05}) matter: the model was trained on Python's output.
 */
final class PyJson {
    private final boolean ensureAscii;
    private final String indent;          // null: single line
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final StringBuilder out = new StringBuilder();

    private PyJson(boolean ensureAscii, Integer indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent == null ? null : " ".repeat(Math.max(0, indent));
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.sortKeys = sortKeys;
    }

    /**
     * {@code json.dumps(value, ensure_ascii=..., indent=..., separators=..., sort_keys=...)};
     * {@code separators} null means Python's default, which depends on whether {@code indent} is set.
     */
    static String dumps(Object value, boolean ensureAscii, Integer indent, List<String> separators, boolean sortKeys) {
        String item = indent == null ? ", " : ",";
        String key = ": ";
        if (separators != null) {
            if (separators.size() != 2) throw new IllegalArgumentException("tojson: separators must be (item, key), got " + separators);
            item = separators.get(0);
            key = separators.get(1);
        }
        PyJson json = new PyJson(ensureAscii, indent, item, key, sortKeys);
        json.write(value, 0);
        return json.out.toString();
    }

    static String dumps(Object value) {
        return dumps(value, false, null, null, false);
    }

    private void write(Object v, int depth) {
        switch (v) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case CharSequence s -> string(s.toString());
            case Character c -> string(c.toString());
            case Double d -> out.append(pyFloat(d));
            case Float f -> out.append(pyFloat(f.doubleValue()));
            case BigDecimal d -> out.append(d.toString());
            case Long l -> out.append(l);
            case Integer i -> out.append(i);
            case Short s -> out.append(s);
            case Byte b -> out.append(b);
            case BigInteger i -> out.append(i);
            case Map<?, ?> m -> object(m, depth);
            case Collection<?> c -> array(new ArrayList<>(c), depth);
            case Map.Entry<?, ?> e -> array(List.of(e.getKey(), e.getValue()), depth); // Python: (key, value) tuple
            default -> {
                if (v.getClass().isArray()) {
                    List<Object> items = new ArrayList<>();
                    for (int i = 0; i < Array.getLength(v); i++) items.add(Array.get(v, i));
                    array(items, depth);
                } else {
                    throw new IllegalArgumentException("Object of type " + v.getClass().getSimpleName() + " is not JSON serializable");
                }
            }
        }
    }

    private void array(List<?> items, int depth) {
        if (items.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) out.append(itemSeparator);
            newline(depth + 1);
            write(items.get(i), depth + 1);
        }
        newline(depth);
        out.append(']');
    }

    private void object(Map<?, ?> map, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<String> keys = new ArrayList<>(map.size());
        List<Object> values = new ArrayList<>(map.size());
        for (Map.Entry<?, ?> e : map.entrySet()) {
            keys.add(key(e.getKey()));
            values.add(e.getValue());
        }
        List<Integer> order = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) order.add(i);
        if (sortKeys) order.sort((a, b) -> keys.get(a).compareTo(keys.get(b)));
        out.append('{');
        for (int i = 0; i < order.size(); i++) {
            if (i > 0) out.append(itemSeparator);
            newline(depth + 1);
            string(keys.get(order.get(i)));
            out.append(keySeparator);
            write(values.get(order.get(i)), depth + 1);
        }
        newline(depth);
        out.append('}');
    }

    /** Python converts str, int, float, bool and None keys; anything else is a TypeError. */
    private static String key(Object k) {
        return switch (k) {
            case null -> "null";
            case CharSequence s -> s.toString();
            case Boolean b -> b ? "true" : "false";
            case Double d -> pyFloat(d);
            case Float f -> pyFloat(f.doubleValue());
            case Number n -> n.toString();
            default -> throw new IllegalArgumentException("keys must be str, int, float, bool or None, not " + k.getClass().getSimpleName());
        };
    }

    private void newline(int depth) {
        if (indent == null) return;
        out.append('\n');
        for (int i = 0; i < depth; i++) out.append(indent);
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }

    /**
     * {@code repr(float)}: the shortest digits that round-trip (Java's {@link Double#toString}
     * finds the same digits), written positionally when the decimal exponent is in [-4, 16),
     * otherwise as {@code d.ddde+XX}.
     */
    static String pyFloat(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        String sign = (d < 0 || (d == 0 && 1 / d < 0)) ? "-" : "";
        if (d == 0) return sign + "0.0";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exponent = digits.length() - 1 - bd.scale();
        if (exponent >= -4 && exponent < 16) {
            String plain = bd.toPlainString();
            return sign + (plain.indexOf('.') < 0 ? plain + ".0" : plain);
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
