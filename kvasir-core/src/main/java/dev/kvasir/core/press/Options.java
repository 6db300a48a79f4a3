package dev.kvasir.core.press;

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
 */
final class Options {
    private final String press;
    private final Map<String, String> given;
    private final Map<String, String> effective = new LinkedHashMap<>();
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
        return v;
    }

    String choice(String key, String def, String... allowed) {
        String v = string(key, def).toLowerCase(Locale.ROOT);
        for (String a : allowed) if (a.equals(v)) return v;
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
        return x;
    }

    long seed(String key, long def) {
        String v = string(key, Long.toString(def));
        try {
            return Long.parseLong(v);
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
        return x;
    }

    IllegalArgumentException error(String key, String value, String why) {
        return new IllegalArgumentException("press '" + press + "': option " + key + "=" + value + " " + why);
    }

    /** Rejects unknown options; returns the effective options (unmodifiable). */
    Map<String, String> done() {
        List<String> unknown = new ArrayList<>();
        for (String k : given.keySet()) if (!known.contains(k)) unknown.add(k);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("press '" + press + "': unknown option" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + "; valid options: " + (known.isEmpty() ? "(none)" : String.join(", ", known)));
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(effective));
    }

    static String fmt(double d) {
        if (Double.isNaN(d)) return "auto";
        if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
        return Double.toString(d);
    }
}
