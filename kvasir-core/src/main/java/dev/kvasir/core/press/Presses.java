package dev.kvasir.core.press;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * The registry of named compression methods. {@code Presses.create("snapkv", Map.of("window", "64"))}
 * builds a press; unknown names, unknown options and bad values fail with a message listing what
 * is valid. {@link Press#options()} gives the effective options (defaults included).
 *
 * <p>Methods: full, streaming-llm, h2o, snapkv, pyramidkv, adakv, cam, tova, knorm, random,
 * kvmerger, dynamickv, dynamickv-merge. Each is a few lines composing the parts of this package
 * ({@link TokenScorer}, {@link GqaAggregation}, {@link BudgetAllocator}, {@link Protection},
 * {@link OverflowPolicy}); see each method's class for its paper, equations and options.
 */
public final class Presses {
    private static final Map<String, Function<Options, Press>> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("full", Full::create);
        REGISTRY.put("streaming-llm", StreamingLlm::create);
        REGISTRY.put("h2o", H2o::create);
        REGISTRY.put("snapkv", SnapKv::create);
        REGISTRY.put("pyramidkv", PyramidKv::create);
        REGISTRY.put("adakv", AdaKv::create);
        REGISTRY.put("cam", Cam::create);
        REGISTRY.put("tova", Tova::create);
        REGISTRY.put("knorm", KNorm::create);
        REGISTRY.put("random", RandomPress::create);
        REGISTRY.put("kvmerger", KvMerger::create);
        REGISTRY.put("dynamickv", DynamicKv::create);
        REGISTRY.put("dynamickv-merge", DynamicKvMerge::create);
    }

    private Presses() {}

    /** Names of all methods, in registry order. */
    public static List<String> names() { return List.copyOf(REGISTRY.keySet()); }

    public static Press create(String name) { return create(name, Map.of()); }

    public static Press create(String name, Map<String, String> options) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        Function<Options, Press> f = REGISTRY.get(key);
        if (f == null) throw new IllegalArgumentException("unknown press '" + name + "'; valid presses: " + String.join(", ", REGISTRY.keySet()));
        return f.apply(new Options(key, options == null ? Map.of() : options));
    }

    /**
     * The label of a press with these effective options: the name, then {@code :key=value,...} for
     * every option that departs from its default (all given options when the map does not come
     * from {@link #create}).
     */
    public static String label(String name, Map<String, String> options) {
        Map<String, String> departures = options instanceof Options.Effective e ? e.departures() : options;
        if (departures.isEmpty()) return name;
        StringJoiner j = new StringJoiner(",", name + ":", "");
        departures.forEach((k, v) -> j.add(k + "=" + v));
        return j.toString();
    }

    /** Parses {@code name} or {@code name:key=value,key=value} (CLI form). */
    public static Press parse(String spec) {
        Spec s = spec(spec);
        return create(s.name(), s.options());
    }

    /** A method written {@code name} or {@code name:key=value,key=value}, not yet checked against the registry. */
    public record Spec(String name, Map<String, String> options) {}

    /** Splits {@code name:key=value,...} into the name and its options (in the order given). */
    public static Spec spec(String spec) {
        String[] parts = spec.split(":", 2);
        Map<String, String> opts = new LinkedHashMap<>();
        if (parts.length == 2 && !parts[1].isBlank()) {
            for (String kv : parts[1].split(",")) {
                String[] p = kv.split("=", 2);
                if (p.length != 2 || p[0].isBlank()) throw new IllegalArgumentException("press option '" + kv + "' in '" + spec + "' must be key=value");
                opts.put(p[0].trim(), p[1].trim());
            }
        }
        return new Spec(parts[0].trim(), opts);
    }
}
