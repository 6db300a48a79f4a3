package dev.kvasir.core.press;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Option parsing for {@link Presses#create}: each getter declares a valid option (with its
 * default) and records the effective value; {@link #done()} rejects options nobody asked for,
 * listing the valid ones. Error messages name the press, the option and the accepted values.
 *
 * <p>The default a getter declares is the paper's value (or, for an option the paper does not
 * have, the value that leaves the paper's method unchanged), so the options whose effective value
 * differs from their default are exactly the ways a run departs from the paper: {@link Press#label()}
 * names them. Values are recorded in a canonical form (numbers re-printed, choices in lower case) so
 * that {@code window=032} and {@code window=32} are the same variant.
 *
 * <p>Every press also takes {@code min-prompt} (see {@link Press#minPromptTokens()}), recorded only
 * when given.
 */
final class Options {
    private final String press;
    private final Map<String, String> given;
    private final Map<String, String> effective = new LinkedHashMap<>();
    private final Map<String, String> defaults = new LinkedHashMap<>();
    private final Set<String> known = new LinkedHashSet<>();

    Options(String press, Map<String, String> given) {
        this.press = press;
        this.given = new LinkedHashMap<>();
        given.forEach((k, v) -> this.given.put(k.trim().toLowerCase(Locale.ROOT), v == null ? "" : v.trim()));
    }

    boolean has(String key) { return given.containsKey(key); }

    String string(String key, String def) {
        known.add(key);
        String v = given.getOrDefault(key, def);
        effective.put(key, v);
        defaults.put(key, def);
        return v;
    }

    String choice(String key, String def, String... allowed) {
        String v = string(key, def).toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                effective.put(key, v);
                return v;
            }
        }
        throw error(key, v, "is not one of " + String.join(", ", allowed));
    }

    boolean flag(String key, boolean def) {
        return choice(key, Boolean.toString(def), "true", "false").equals("true");
    }

    int integer(String key, int def, int min, int max) {
        String v = string(key, Integer.toString(def));
        int x;
        try {
            x = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw error(key, v, "is not an integer");
        }
        if (x < min || x > max) throw error(key, v, "is out of range [" + min + ", " + (max == Integer.MAX_VALUE ? "∞" : max) + "]");
        effective.put(key, Integer.toString(x));
        return x;
    }

    long seed(String key, long def) {
        String v = string(key, Long.toString(def));
        try {
            long x = Long.parseLong(v);
            effective.put(key, Long.toString(x));
            return x;
        } catch (NumberFormatException e) {
            throw error(key, v, "is not an integer seed");
        }
    }

    /** A real in [min, max] (bounds inclusive unless the flags say otherwise). */
    double real(String key, double def, double min, boolean minOpen, double max, boolean maxOpen) {
        return parseReal(key, string(key, fmt(def)), min, minOpen, max, maxOpen);
    }

    /** A real in the given range, or the word {@code auto} (returned as NaN). */
    double realOrAuto(String key, String def, double min, boolean minOpen, double max) {
        String v = string(key, def);
        if (v.equalsIgnoreCase("auto")) {
            effective.put(key, "auto");
            return Double.NaN;
        }
        return parseReal(key, v, min, minOpen, max, false);
    }

    private double parseReal(String key, String v, double min, boolean minOpen, double max, boolean maxOpen) {
        double x;
        try {
            x = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw error(key, v, "is not a number");
        }
        boolean ok = !Double.isNaN(x) && (minOpen ? x > min : x >= min) && (maxOpen ? x < max : x <= max);
        if (!ok) throw error(key, v, "is out of range " + (minOpen ? "(" : "[") + fmt(min) + ", " + fmt(max) + (maxOpen ? ")" : "]"));
        effective.put(key, fmt(x));
        return x;
    }

    IllegalArgumentException error(String key, String value, String why) {
        return new IllegalArgumentException("press '" + press + "': option " + key + "=" + value + " " + why);
    }

    /** Rejects unknown options; returns the effective options (unmodifiable), which know their defaults. */
    Map<String, String> done() {
        minPrompt();
        List<String> unknown = new ArrayList<>();
        for (String k : given.keySet()) if (!known.contains(k)) unknown.add(k);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("press '" + press + "': unknown option" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + "; valid options: " + (known.isEmpty() ? "(none)" : String.join(", ", known)));
        }
        return new Effective(effective, defaults);
    }

    static final String MIN_PROMPT = "min-prompt";

    /** {@code min-prompt}: auto (2·max(window, 32)) or an integer ≥ 0; recorded only when given. */
    private void minPrompt() {
        known.add(MIN_PROMPT);
        if (!given.containsKey(MIN_PROMPT)) return;
        String v = given.get(MIN_PROMPT).toLowerCase(Locale.ROOT);
        if (v.equals("auto")) effective.put(MIN_PROMPT, v);
        else integer(MIN_PROMPT, 0, 0, Integer.MAX_VALUE);
        defaults.put(MIN_PROMPT, "auto");
    }

    /**
     * The effective options of a press (an unmodifiable map, in declaration order) with the default
     * of each, so that {@link #departures} can tell what a run changed.
     */
    static final class Effective extends AbstractMap<String, String> {
        private final Map<String, String> values;
        private final Map<String, String> defaults;

        Effective(Map<String, String> values, Map<String, String> defaults) {
            this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
            this.defaults = Map.copyOf(defaults);
        }

        @Override public Set<Entry<String, String>> entrySet() { return values.entrySet(); }

        /** The options whose value differs from their default, in declaration order. */
        Map<String, String> departures() {
            Map<String, String> out = new LinkedHashMap<>();
            values.forEach((k, v) -> {
                if (!v.equals(defaults.get(k))) out.put(k, v);
            });
            return out;
        }
    }

    static String fmt(double d) {
        if (Double.isNaN(d)) return "auto";
        if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
        return Double.toString(d);
    }
}
