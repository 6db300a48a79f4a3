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

    static Map<String, Object> generation(GenerationResult r, Model model, Tokenizer tok, PressOptions press, KvPrecision precision) {
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
        m.put("kv", kv(r, model, precision));
        return m;
    }

    /** The {@code kv} object: what the cache holds and, with a press, what compression did. */
    static Map<String, Object> kv(GenerationResult r, Model model, KvPrecision precision) {
        CompressionReport k = r.kv();
        Map<String, Object> m = new LinkedHashMap<>();
        if (k == null) {
            // the prompt's keys and values, as a press reports them before compressing (the cache at the end also holds the reply)
            long promptBytes = r.promptTokens() * model.config().kvBytesPerToken(precision.bytesPerValue());
            m.put("method", "none");
            m.put("options", Map.of());
            m.put("budget_requested", "fraction=1.0");
            m.put("budget_achieved", 1.0);
            m.put("bytes_full", promptBytes);
            m.put("bytes_kept", promptBytes);
            m.put("bytes_at_end", r.kvBytes());
            return m;
        }
        m.put("method", k.method());
        m.put("options", k.options());
        m.put("budget_requested", k.budgetRequested());
        m.put("budget_requested_fraction", round4(k.requestedFraction()));
        m.put("budget_achieved", round4(k.achievedFraction()));
        m.put("prompt_tokens_compressed", k.promptTokens());
        m.put("bytes_full", k.bytesBefore());
        m.put("bytes_kept", k.bytesAfter());
        m.put("bytes_allocated_before", k.allocatedBytesBefore());
        m.put("bytes_allocated_after", k.allocatedBytesAfter());
        m.put("bytes_at_end", r.kvBytes());
        m.put("kept_per_layer", k.keptPerLayer());
        if (headsDiffer(k.keptPerHead())) m.put("kept_per_head", k.keptPerHead());
        m.put("layer_compression_ratios", k.layerCompressionRatios());
        m.put("compress_ms", round(k.compressMillis()));
        if (!k.details().isEmpty()) m.put("details", k.details());
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
        String kv = r.kv() == null ? "" : String.format(", kv %s kept %.1f%% (%.1f MB) in %.0f ms", r.kv().method(),
                100 * r.kv().achievedFraction(), r.kv().bytesAfter() / 1e6, r.kv().compressMillis());
        return String.format("[%d prompt tokens at %.1f t/s, %d generated at %.1f t/s%s]", r.promptTokens(), r.prefillTokensPerSecond(),
                r.tokens().length, r.decodeTokensPerSecond(), kv);
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
