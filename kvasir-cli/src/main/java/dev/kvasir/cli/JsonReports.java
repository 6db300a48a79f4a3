package dev.kvasir.cli;

import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.core.tokenizer.Tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON shapes the CLI prints. */
final class JsonReports {
    private JsonReports() {}

    static Map<String, Object> generation(GenerationResult r, Model model, Tokenizer tok, PressOptions press, KvPrecision keys,
                                          KvPrecision values) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model.name());
        m.put("text", r.text());
        m.put("tokens", r.tokens());
        m.put("prompt_tokens", r.promptTokens());
        m.put("completion_tokens", r.tokens().length);
        m.put("finish_reason", r.finishReason());
        m.put("prefill_ms", round(r.prefillMs()));
        m.put("decode_ms", round(r.decodeMs()));
        m.put("prefill_tps", round(r.prefillTokensPerSecond()));
        m.put("decode_tps", round(r.decodeTokensPerSecond()));
        m.put("kv", kv(r, model, keys, values));
        return m;
    }

    /** The {@code kv} object: what the cache holds and, with a press, what compression did. */
    static Map<String, Object> kv(GenerationResult r, Model model, KvPrecision keys, KvPrecision values) {
        CompressionReport k = r.kv();
        Map<String, Object> m = new LinkedHashMap<>();
        // how the cache the reply was decoded from stored its keys and values (bytes_* below are of that storage,
        // except bytes_full*, the prompt's cache as prefilled: a quantised cache is prefilled in F16)
        m.put("precision", dev.kvasir.core.kv.KvCache.label(keys, values));
        if (k == null) {
            // the prompt's keys and values (logical), and what the stores held for the prompt and the reply
            long promptBytes = r.promptTokens() * model.config().kvBytesPerToken(keys, values);
            m.put("method", "none");
            m.put("label", "none");
            m.put("options", Map.of());
            m.put("budget_requested", "fraction=1.0");
            m.put("budget_achieved", 1.0);
            m.put("bytes_full", r.kvBytesHeld());
            m.put("bytes_full_logical", promptBytes);
            m.put("bytes_kept", r.kvBytesHeld());
            m.put("bytes_kept_logical", promptBytes);
            m.put("bytes_at_end", r.kvBytes());
            return m;
        }
        m.put("method", k.method());
        m.put("label", k.label());
        m.put("options", k.options());
        if (k.skipped() != null) m.put("skipped", k.skipped());
        if (k.budgetNote() != null) m.put("budget_note", k.budgetNote());
        m.put("budget_requested", k.budgetRequested());
        m.put("budget_requested_fraction", round4(k.requestedFraction()));
        m.put("budget_achieved", round4(k.achievedFraction()));
        m.put("prompt_tokens_compressed", k.promptTokens());
        // bytes_kept is what the stores hold after compression (keys, values, positions, masses, headroom);
        // *_logical counts keys and values of the slots in use only
        m.put("bytes_full", k.allocatedBytesBefore());
        m.put("bytes_full_logical", k.bytesBefore());
        m.put("bytes_kept", k.allocatedBytesAfter());
        m.put("bytes_kept_logical", k.bytesAfter());
        m.put("bytes_at_end", r.kvBytes());
        m.put("kept_per_layer", k.keptPerLayer());
        if (headsDiffer(k.keptPerHead())) m.put("kept_per_head", k.keptPerHead());
        m.put("layer_compression_ratios", k.layerCompressionRatios());
        m.put("compress_ms", round(k.compressMillis()));
        if (!k.details().isEmpty()) m.put("details", k.details());
        if (k.slidingLayers() != null) {
            // a model with sliding-window layers: kept counts, fractions and ratios above are over the global layers
            // (which the press compressed), bytes over the whole cache; the local layers keep their window whatever the press
            var s = k.slidingLayers();
            Map<String, Object> layers = new LinkedHashMap<>();
            layers.put("global_layers", s.globalLayers());
            layers.put("local_layers", s.localLayers());
            layers.put("window", s.window());
            layers.put("local_slots_per_layer", s.slotsPerLayer());
            layers.put("local_bytes_logical", s.bytes());
            layers.put("local_bytes", s.allocatedBytes());
            m.put("layers", layers);
        }
        return m;
    }

    private static boolean headsDiffer(int[][] perHead) {
        for (int[] layer : perHead) for (int v : layer) if (v != layer[0]) return true;
        return false;
    }

    static double round4(double v) {
        return Math.round(v * 10000) / 10000.0;
    }

    static String summaryLine(GenerationResult r) {
        String kv = r.kv() == null ? "" : r.kv().skipped() != null ? ", kv " + r.kv().label() + " skipped: " + r.kv().skipped()
                : String.format(", kv %s kept %.1f%% (%.1f MB) in %.0f ms", r.kv().label(),
                100 * r.kv().achievedFraction(), r.kv().allocatedBytesAfter() / 1e6, r.kv().compressMillis());
        return String.format("[%d prompt tokens at %.1f t/s, %d generated at %.1f t/s%s]", r.promptTokens(), r.prefillTokensPerSecond(),
                r.tokens().length, r.decodeTokensPerSecond(), kv);
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
