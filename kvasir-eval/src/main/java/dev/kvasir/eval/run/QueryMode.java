package dev.kvasir.eval.run;

import java.util.Locale;

/**
 * Where the question sits relative to compression.
 *
 * <ul>
 *   <li>{@link #AWARE}: the whole prompt (context, question, answer prefix) is prefilled and
 *       compressed, as KVCache-Factory, SnapKV, PyramidKV, DynamicKV and the KVMerger/H2O/CaM
 *       papers evaluate; the press sees the question when it scores tokens. The default.</li>
 *   <li>{@link #AGNOSTIC}: only the context is compressed; the question and answer prefix are
 *       appended afterwards (kvpress's protocol), so the compressed cache must serve any question.</li>
 * </ul>
 */
public enum QueryMode {
    AWARE("aware"),
    AGNOSTIC("agnostic");

    private final String label;

    QueryMode(String label) {
        this.label = label;
    }

    /** The name written in result rows and reports. */
    public String label() {
        return label;
    }

    public static QueryMode parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "aware", "query-aware" -> AWARE;
            case "agnostic", "query-agnostic" -> AGNOSTIC;
            default -> throw new IllegalArgumentException("query mode '" + s + "' is not aware or agnostic");
        };
    }
}
