package dev.kvasir.server.engine;

import dev.kvasir.core.press.Budget;
import dev.kvasir.core.press.Press;
import dev.kvasir.core.press.Presses;

import java.util.Map;
import java.util.TreeMap;

/**
 * How one request's KV cache is compressed: a press name from {@link Presses}, its options and a
 * budget; or {@link #NONE}, the full cache. Creating a spec builds the press once so that an
 * unknown method or option fails at parse time with the registry's own message.
 */
public record CompressionSpec(String method, Budget budget, Map<String, String> options) {
    /** The full cache, no press. */
    public static final CompressionSpec NONE = new CompressionSpec("none", null, Map.of());

    public CompressionSpec {
        options = options == null ? Map.of() : Map.copyOf(new TreeMap<>(options));
        if (!"none".equals(method)) {
            if (budget == null) {
                if (!"full".equals(method)) throw new IllegalArgumentException("method '" + method + "' needs a budget");
                budget = Budget.fraction(1.0);
            }
            Presses.create(method, options); // validates the name and the options
        }
    }

    /** Parses a method name as a request gives it; "none" (or null) means the full cache. */
    public static CompressionSpec of(String method, Budget budget, Map<String, String> options) {
        if (method == null || method.isBlank() || method.trim().equalsIgnoreCase("none")) {
            if (budget != null || (options != null && !options.isEmpty())) {
                throw new IllegalArgumentException("a budget or options need a method other than 'none'");
            }
            return NONE;
        }
        return new CompressionSpec(method.trim().toLowerCase(java.util.Locale.ROOT), budget, options);
    }

    public boolean compresses() { return !"none".equals(method); }

    /** A fresh press instance (presses carry per-sequence state), or null for the full cache. */
    public Press newPress() {
        return compresses() ? Presses.create(method, options) : null;
    }

    /** Slots per layer and KV head the prompt keeps after compression (at most the prompt). */
    public int keptTokens(int promptTokens) {
        return compresses() ? Math.min(promptTokens, budget.capacity(promptTokens)) : promptTokens;
    }

    /** Identity of the Generator configuration: equal keys can share a Generator. */
    public String key() {
        return compresses() ? method + options + "@" + budget.describe() : "none";
    }
}
