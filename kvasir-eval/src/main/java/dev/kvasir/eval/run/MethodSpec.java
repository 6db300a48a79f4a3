package dev.kvasir.eval.run;

import dev.kvasir.core.press.Press;
import dev.kvasir.core.press.Presses;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A compression method to evaluate: a {@link Presses} name, the options given for it, and the label
 * its result rows, tables and figures carry: what ran, {@link dev.kvasir.core.press.Press#label()}
 * (the name plus every option whose value departs from the paper's), whatever way the options were
 * given ({@code kvmerger:heavy-score=window} or {@code --press-opt kvmerger.heavy-score=window}). So
 * {@code kvmerger} is the paper's KVMerger, two variants of one method can be compared in one run,
 * and writing the paper's default explicitly ({@code kvmerger:heavy-score=accumulated}) names the
 * same method as {@code kvmerger}. {@code full} (or {@code none}) is the uncompressed baseline and
 * runs without a press.
 */
public record MethodSpec(String name, Map<String, String> options, String label) {
    public static final String FULL = "full";
    /** How the CLI's {@code kv} report and the server name the uncompressed cache; accepted for {@code full}. */
    public static final String NONE = "none";

    /** {@code label} is computed from the name and options; pass null. */
    public MethodSpec {
        name = name.trim().toLowerCase(Locale.ROOT);
        if (name.equals(NONE)) name = FULL;
        options = Map.copyOf(options);
        boolean full = name.equals(FULL);
        if (!full && !Presses.names().contains(name)) {
            throw new IllegalArgumentException("unknown press '" + name + "'; valid presses: none, " + String.join(", ", Presses.names()));
        }
        if (full && !options.isEmpty()) throw new IllegalArgumentException("the full cache takes no options: " + options);
        label = full ? FULL : Presses.create(name, options).label();
    }

    /** The method with the given options. */
    public MethodSpec(String name, Map<String, String> options) {
        this(name, options, null);
    }

    /** A variant written {@code name:key=value,...}. */
    public static MethodSpec variant(String spec) {
        Presses.Spec parsed = Presses.spec(spec.trim());
        return new MethodSpec(parsed.name(), parsed.options());
    }

    public boolean isFull() {
        return name.equals(FULL);
    }

    /** A fresh press (presses carry decode state, so each configuration gets its own), or null for {@code full}. */
    public Press newPress() {
        return isFull() ? null : Presses.create(name, options);
    }

    /**
     * Methods from a comma-separated list ({@code full,kvmerger,h2o}, variants written
     * {@code kvmerger:heavy-score=window,exact=false}) and per-method options written
     * {@code method.key=value} ({@code snapkv.window=32}), which apply to every listed variant of
     * that method unless the variant sets the key itself.
     */
    public static List<MethodSpec> parse(List<String> names, List<String> methodOptions) {
        List<String> items = joinVariantOptions(names);
        List<String> methodNames = items.stream().map(n -> n.split(":", 2)[0].trim().toLowerCase(Locale.ROOT)).toList();
        Map<String, Map<String, String>> opts = new LinkedHashMap<>();
        for (String o : methodOptions) {
            int dot = o.indexOf('.');
            int eq = o.indexOf('=');
            if (dot <= 0 || eq < dot + 2) {
                throw new IllegalArgumentException("--press-opt takes method.key=value (e.g. snapkv.window=32), got '" + o + "'");
            }
            String method = o.substring(0, dot).trim().toLowerCase(Locale.ROOT);
            if (!methodNames.contains(method)) {
                throw new IllegalArgumentException("--press-opt " + o + ": method '" + method + "' is not among the evaluated methods " + methodNames);
            }
            opts.computeIfAbsent(method, m -> new LinkedHashMap<>()).put(o.substring(dot + 1, eq).trim(), o.substring(eq + 1).trim());
        }
        List<MethodSpec> out = new ArrayList<>();
        for (String item : items) {
            MethodSpec given = item.contains(":") ? variant(item) : new MethodSpec(item, Map.of());
            Map<String, String> merged = new LinkedHashMap<>(opts.getOrDefault(given.name(), Map.of()));
            merged.putAll(given.options());
            MethodSpec m = new MethodSpec(given.name(), merged);
            if (out.stream().anyMatch(o -> o.label().equals(m.label()))) throw new IllegalArgumentException("method '" + m.label() + "' is listed twice");
            m.newPress(); // fail now, before any model work, on bad option names or values
            out.add(m);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no methods to evaluate");
        return out;
    }

    /**
     * Undoes the comma split of {@code --presses} inside a variant's options: an item with '=' and
     * no ':' continues the variant before it ({@code kvmerger:a=1}, {@code b=2} → {@code kvmerger:a=1,b=2}).
     */
    private static List<String> joinVariantOptions(List<String> names) {
        List<String> items = new ArrayList<>();
        for (String n : names) {
            String t = n.trim();
            if (t.isEmpty()) continue;
            if (t.contains("=") && !t.contains(":")) {
                if (items.isEmpty() || !items.getLast().contains(":")) {
                    throw new IllegalArgumentException("'" + t + "' is an option, not a method: write variants as method:key=value,key=value");
                }
                items.set(items.size() - 1, items.getLast() + "," + t);
            } else {
                items.add(t);
            }
        }
        return items;
    }
}
