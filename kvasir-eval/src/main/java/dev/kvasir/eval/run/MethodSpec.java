package dev.kvasir.eval.run;

import dev.kvasir.core.press.Press;
import dev.kvasir.core.press.Presses;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A compression method to evaluate: a {@link Presses} name and the options given for it.
 * {@code full} is the uncompressed baseline and runs without a press.
 */
public record MethodSpec(String name, Map<String, String> options) {
    public static final String FULL = "full";

    public MethodSpec {
        name = name.trim().toLowerCase(Locale.ROOT);
        options = Map.copyOf(options);
        boolean full = name.equals(FULL);
        if (!full && !Presses.names().contains(name)) {
            throw new IllegalArgumentException("unknown press '" + name + "'; valid presses: " + String.join(", ", Presses.names()));
        }
        if (full && !options.isEmpty()) throw new IllegalArgumentException("the full cache takes no options: " + options);
    }

    public boolean isFull() {
        return name.equals(FULL);
    }

    /** A fresh press (presses carry decode state, so each configuration gets its own), or null for {@code full}. */
    public Press newPress() {
        return isFull() ? null : Presses.create(name, options);
    }

    /**
     * Methods from a comma-separated list ({@code full,kvmerger,h2o}) and per-method options
     * written {@code method.key=value} ({@code snapkv.window=32}).
     */
    public static List<MethodSpec> parse(List<String> names, List<String> methodOptions) {
        Map<String, Map<String, String>> opts = new LinkedHashMap<>();
        for (String o : methodOptions) {
            int dot = o.indexOf('.');
            int eq = o.indexOf('=');
            if (dot <= 0 || eq < dot + 2) {
                throw new IllegalArgumentException("--press-opt takes method.key=value (e.g. snapkv.window=32), got '" + o + "'");
            }
            String method = o.substring(0, dot).trim().toLowerCase(Locale.ROOT);
            if (!names.stream().map(n -> n.trim().toLowerCase(Locale.ROOT)).toList().contains(method)) {
                throw new IllegalArgumentException("--press-opt " + o + ": method '" + method + "' is not among the evaluated methods " + names);
            }
            opts.computeIfAbsent(method, m -> new LinkedHashMap<>()).put(o.substring(dot + 1, eq).trim(), o.substring(eq + 1).trim());
        }
        List<MethodSpec> out = new ArrayList<>();
        for (String n : names) {
            String key = n.trim().toLowerCase(Locale.ROOT);
            if (key.isEmpty()) continue;
            MethodSpec m = new MethodSpec(key, opts.getOrDefault(key, Map.of()));
            if (out.contains(m)) throw new IllegalArgumentException("method '" + key + "' is listed twice");
            m.newPress(); // fail now, before any model work, on bad option names or values
            out.add(m);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no methods to evaluate");
        return out;
    }
}
