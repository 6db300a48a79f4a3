package dev.kvasir.chat;

import com.hubspot.jinjava.objects.collections.PyList;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python {@code str} methods ({@code .strip()}, {@code .startswith()}, {@code .split()}, ...),
 * {@code dict.get(key, default)} and string indexing ({@code s[-1]}) for Jinjava, which by itself
 * would call Java's methods: {@code "a</think>".split("</think>")} would then be a regex split that
 * drops the trailing empty string, {@code startswith} would not exist at all. Placed first in the
 * resolver chain so the Python meaning wins; anything it does not know falls through to Jinjava's
 * resolvers.
 */
final class PyMethods extends ELResolver {

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (base instanceof String s) {
            // Jinjava hands subscripts over as strings ("0", "-1").
            Integer index = property instanceof Number n ? Integer.valueOf(n.intValue()) : asIndex(property);
            if (index == null) return null;
            // Python indexes code points, not UTF-16 units.
            int length = s.codePointCount(0, s.length());
            int i = index < 0 ? index + length : index;
            context.setPropertyResolved(true);
            // Python raises IndexError; jinja2 turns a failed subscript into Undefined, which renders as "".
            if (i < 0 || i >= length) return null;
            return Character.toString(s.codePointAt(s.offsetByCodePoints(0, i)));
        }
        return null;
    }

    private static Integer asIndex(Object property) {
        if (!(property instanceof String p) || p.isEmpty() || p.length() > 10) return null;
        for (int i = p.charAt(0) == '-' ? 1 : 0; i < p.length(); i++) {
            if (p.charAt(i) < '0' || p.charAt(i) > '9') return null;
        }
        return p.equals("-") ? null : Integer.valueOf(p);
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (method == null) return null;
        Object[] args = params == null ? new Object[0] : params;
        String name = method.toString();
        Object result;
        if (base instanceof String s) {
            result = stringMethod(s, name, args);
        } else if (base instanceof Map<?, ?> map && name.equals("get") && args.length == 2) {
            result = map.containsKey(args[0]) ? map.get(args[0]) : args[1];
        } else {
            return null;
        }
        if (result == UNKNOWN) return null;
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object UNKNOWN = new Object();

    private static Object stringMethod(String s, String name, Object[] a) {
        return switch (name) {
            case "strip" -> strip(s, chars(a, 0), true, true);
            case "lstrip" -> strip(s, chars(a, 0), true, false);
            case "rstrip" -> strip(s, chars(a, 0), false, true);
            case "startswith" -> affix(s, a, true);
            case "endswith" -> affix(s, a, false);
            case "split" -> split(s, chars(a, 0), a.length > 1 ? toInt(a[1]) : -1);
            case "rsplit" -> rsplit(s, chars(a, 0), a.length > 1 ? toInt(a[1]) : -1);
            case "splitlines" -> splitlines(s, a.length > 0 && truthy(a[0]));
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, s.offsetByCodePoints(0, 1)).toUpperCase(Locale.ROOT)
                      + s.substring(s.offsetByCodePoints(0, 1)).toLowerCase(Locale.ROOT);
            case "replace" -> replace(s, str(a, 0), str(a, 1), a.length > 2 ? toInt(a[2]) : -1);
            case "find" -> find(s, a, false);
            case "rfind" -> find(s, a, true);
            case "count" -> count(s, str(a, 0));
            case "join" -> join(s, a.length > 0 ? a[0] : null);
            case "isdigit", "isnumeric", "isdecimal" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(c -> isSpace((char) c));
            case "islower" -> hasCased(s) && s.equals(s.toLowerCase(Locale.ROOT));
            case "isupper" -> hasCased(s) && s.equals(s.toUpperCase(Locale.ROOT));
            default -> UNKNOWN;
        };
    }

    /** Python's {@code str.isspace()} per character: Unicode whitespace, including U+00A0 and U+001C..U+001F. */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** {@code str.strip(chars)}: whitespace when chars is None. Also the {@code |trim} filter. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int from = 0, to = s.length();
        while (left && from < to && stripped(s.charAt(from), chars)) from++;
        while (right && to > from && stripped(s.charAt(to - 1), chars)) to--;
        return s.substring(from, to);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    /** startswith/endswith with a string or a tuple (list) of strings, and optional start/end. */
    private static boolean affix(String s, Object[] a, boolean prefix) {
        if (a.length == 0) throw new IllegalArgumentException((prefix ? "startswith" : "endswith") + "() takes at least 1 argument");
        String sub = s;
        if (a.length > 1) {
            int[] r = range(s.length(), a, 1);
            sub = r[0] <= r[1] ? s.substring(r[0], r[1]) : "";
        }
        if (a[0] instanceof Collection<?> options) {
            for (Object o : options) if (prefix ? sub.startsWith(String.valueOf(o)) : sub.endsWith(String.valueOf(o))) return true;
            return false;
        }
        String x = str(a, 0);
        return prefix ? sub.startsWith(x) : sub.endsWith(x);
    }

    /** Python slice bounds for (start, end) arguments at a[from], a[from+1], clamped to [0, length]. */
    private static int[] range(int length, Object[] a, int from) {
        int start = a.length > from && a[from] != null ? toInt(a[from]) : 0;
        int end = a.length > from + 1 && a[from + 1] != null ? toInt(a[from + 1]) : length;
        if (start < 0) start = Math.max(0, start + length);
        if (end < 0) end = Math.max(0, end + length);
        return new int[] {Math.min(start, length), Math.min(end, length)};
    }

    /**
     * {@code str.split(sep, maxsplit)}: with a separator every occurrence splits and empty parts
     * are kept; without one, runs of whitespace split and no empty parts are produced.
     */
    static List<Object> split(String s, String sep, int maxSplit) {
        List<Object> parts = new ArrayList<>();
        if (sep != null) {
            if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
            int start = 0, at;
            while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, start)) >= 0) {
                parts.add(s.substring(start, at));
                start = at + sep.length();
            }
            parts.add(s.substring(start));
            return new PyList(parts);
        }
        int i = 0, n = s.length();
        while (true) {
            while (i < n && isSpace(s.charAt(i))) i++;
            if (i >= n) break;
            if (maxSplit >= 0 && parts.size() == maxSplit) {
                parts.add(strip(s.substring(i), null, false, true));
                break;
            }
            int j = i;
            while (j < n && !isSpace(s.charAt(j))) j++;
            parts.add(s.substring(i, j));
            i = j;
        }
        return new PyList(parts);
    }

    static List<Object> rsplit(String s, String sep, int maxSplit) {
        if (maxSplit < 0) return split(s, sep, -1);
        List<Object> parts = new ArrayList<>();
        if (sep != null) {
            if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
            int end = s.length();
            while (parts.size() < maxSplit) {
                int at = s.lastIndexOf(sep, end - sep.length());
                if (at < 0) break;
                parts.addFirst(s.substring(at + sep.length(), end));
                end = at;
            }
            parts.addFirst(s.substring(0, end));
            return new PyList(parts);
        }
        int j = s.length();
        while (true) {
            while (j > 0 && isSpace(s.charAt(j - 1))) j--;
            if (j == 0) break;
            if (parts.size() == maxSplit) {
                parts.addFirst(strip(s.substring(0, j), null, true, false));
                break;
            }
            int i = j;
            while (i > 0 && !isSpace(s.charAt(i - 1))) i--;
            parts.addFirst(s.substring(i, j));
            j = i;
        }
        return new PyList(parts);
    }

    private static List<Object> splitlines(String s, boolean keepEnds) {
        List<Object> lines = new ArrayList<>();
        int start = 0, i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            int eol = switch (c) {
                case '\r' -> i + 1 < n && s.charAt(i + 1) == '\n' ? 2 : 1;
                case '\n', '\u000b', '\u000c', '\u001c', '\u001d', '\u001e', '\u0085', '\u2028', '\u2029' -> 1;
                default -> 0;
            };
            if (eol == 0) {
                i++;
                continue;
            }
            lines.add(s.substring(start, keepEnds ? i + eol : i));
            i += eol;
            start = i;
        }
        if (start < n) lines.add(s.substring(start));
        return new PyList(lines);
    }

    /** {@code str.title()}: a cased character is upper-cased after an uncased one, lower-cased otherwise. */
    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            out.appendCodePoint(cased ? (previousCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp)) : cp);
            previousCased = cased;
        }
        return out.toString();
    }

    private static boolean hasCased(String s) {
        return s.codePoints().anyMatch(cp -> Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp));
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0) return s.replace(old, replacement);
        StringBuilder out = new StringBuilder();
        int start = 0;
        for (int done = 0; done < count; done++) {
            if (old.isEmpty()) {
                // Python inserts the replacement before every character (and at the end) for an empty pattern.
                if (start > s.length()) break;
                out.append(replacement);
                if (start < s.length()) out.append(s.charAt(start));
                start++;
                continue;
            }
            int at = s.indexOf(old, start);
            if (at < 0) break;
            out.append(s, start, at).append(replacement);
            start = at + old.length();
        }
        if (start <= s.length()) out.append(s, start, s.length());
        return out.toString();
    }

    private static int find(String s, Object[] a, boolean last) {
        String sub = str(a, 0);
        int[] r = range(s.length(), a, 1);
        if (r[0] > r[1]) return -1;
        String window = s.substring(r[0], r[1]);
        int at = last ? window.lastIndexOf(sub) : window.indexOf(sub);
        return at < 0 ? -1 : at + r[0];
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) return s.length() + 1;
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
        return n;
    }

    private static String join(String sep, Object items) {
        Iterator<?> it;
        if (items instanceof Iterable<?> iterable) it = iterable.iterator();
        else if (items instanceof Object[] array) it = List.of(array).iterator();
        else if (items instanceof String str) it = str.chars().mapToObj(c -> String.valueOf((char) c)).iterator();
        else throw new IllegalArgumentException("join() argument must be iterable");
        StringBuilder out = new StringBuilder();
        boolean first = true;
        while (it.hasNext()) {
            if (!first) out.append(sep);
            out.append(it.next());
            first = false;
        }
        return out.toString();
    }

    private static String str(Object[] a, int i) {
        if (i >= a.length) throw new IllegalArgumentException("missing argument " + (i + 1));
        return String.valueOf(a[i]);
    }

    /** An optional chars/sep argument; None (null) means "whitespace". */
    private static String chars(Object[] a, int i) {
        return i < a.length && a[i] != null ? String.valueOf(a[i]) : null;
    }

    private static int toInt(Object o) {
        if (o instanceof Number n) return n.intValue();
        throw new IllegalArgumentException("expected an integer, got " + o);
    }

    private static boolean truthy(Object o) {
        return o instanceof Boolean b ? b : o instanceof Number n ? n.doubleValue() != 0 : o != null;
    }

    // The resolver only answers method calls and string subscripts; the rest is left to the chain.

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) { return null; }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) { }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) { return true; }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) { return null; }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) { return null; }
}
