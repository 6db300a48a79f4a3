package dev.kvasir.cli;

import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.core.tokenizer.Tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON shapes the CLI prints. */
final class JsonReports {
    private JsonReports() {}

    static Map<String, Object> generation(GenerationResult r, Model model, Tokenizer tok, PressOptions press) {
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
        m.put("kv", kv(r, model));
        return m;
    }

    static Map<String, Object> kv(GenerationResult r, Model model) {
        CompressionReport k = r.kv();
        Map<String, Object> m = new LinkedHashMap<>();
        if (k == null) {
            m.put("method", "full");
            m.put("options", Map.of());
            m.put("budget_requested", 1.0);
            m.put("budget_achieved", 1.0);
            m.put("bytes_kept", r.kvBytes());
            m.put("bytes_full", r.kvBytes());
            return m;
        }
        m.putAll(k.toMap());
        return m;
    }

    static String summaryLine(GenerationResult r) {
        String kv = r.kv() == null ? "" : String.format(", kv %s kept %.1f%% (%.1f MB) in %.0f ms", r.kv().method(),
                100 * r.kv().budgetAchieved(), r.kv().bytesKept() / 1e6, r.kv().compressMs());
        return String.format("[%d prompt tokens at %.1f t/s, %d generated at %.1f t/s%s]", r.promptTokens(), r.prefillTokensPerSecond(),
                r.tokens().length, r.decodeTokensPerSecond(), kv);
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
