package dev.kvasir.eval.run;

import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.metrics.Metrics;
import dev.kvasir.eval.report.ResultRow;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the result row of one (sample, configuration). */
final class ResultRows {
    private ResultRows() {}

    static ResultRow of(String task, EvalSample sample, SharedPrefill.Outcome o, QueryMode mode) {
        Configuration c = o.planned().configuration();
        GenerationResult r = o.result();
        CompressionReport kv = r.kv();
        Map<String, Object> options = new LinkedHashMap<>();
        if (o.planned().press() != null) options.putAll(o.planned().press().options());
        ResultRow.Builder b = ResultRow.builder()
                .sampleId(sample.id()).task(task).method(c.method().label()).options(options)
                .prediction(r.text()).expected(sample.answers()).score(Metrics.score(sample, r.text()))
                .promptTokens(r.promptTokens())
                .speed(r.prefillTokensPerSecond(), r.decodeTokensPerSecond())
                .contextLength(contextLength(sample, r.promptTokens()))
                .depth(depth(sample))
                .queryMode(mode.label());
        return compression(b, c, kv, o.fullCacheBytes()).build();
    }

    /**
     * The fidelity row of one (sample, configuration): score is the top-1 agreement with the full
     * cache (higher is better, as every other task's score); nll, ppl, kl and the buckets beside it.
     */
    static ResultRow fidelity(String task, EvalSample sample, SharedTeacherForcing.Outcome o, QueryMode mode) {
        Configuration c = o.planned().configuration();
        Map<String, Object> options = new LinkedHashMap<>();
        if (o.planned().press() != null) options.putAll(o.planned().press().options());
        int forced = o.scores().tokens();
        ResultRow.Builder b = ResultRow.builder()
                .sampleId(sample.id()).task(task).method(c.method().label()).options(options)
                .score(o.scores().top1Agreement()).fidelity(o.scores())
                .promptTokens(o.prefixTokens())
                .speed(o.prefixTokens() / (o.prefillMs() / 1000), forced / (o.forcingMs() / 1000))
                .contextLength(contextLength(sample, o.prefixTokens()))
                .queryMode(mode.label());
        return compression(b, c, o.compressed().report(), o.fullCacheBytes()).build();
    }

    /** Requested and achieved budget, KV bytes and per-layer kept counts; the full cache keeps everything. */
    private static ResultRow.Builder compression(ResultRow.Builder b, Configuration c, CompressionReport kv, long fullCacheBytes) {
        if (kv == null) return b.budget(c.budget().requested(), 1.0).kvBytes(fullCacheBytes, fullCacheBytes);
        return b.budget(c.budget().requested(), kv.achievedFraction()).kvBytes(kv.bytesAfter(), kv.bytesBefore())
                .compressMillis(kv.compressMillis()).layerKept(kv.keptPerLayer()).layerRatios(kv.layerCompressionRatios());
    }

    /** The length the sample was built for (heatmap columns), else its prompt length. */
    private static int contextLength(EvalSample s, int promptTokens) {
        Object v = s.metadata().get(EvalSample.LENGTH);
        // LongBench's "length" counts words of the original document, not tokens: use the prompt instead
        boolean generated = s.metadata().containsKey(EvalSample.PROMPT_TOKENS);
        return v instanceof Number n && generated ? n.intValue() : promptTokens;
    }

    private static Double depth(EvalSample s) {
        return s.metadata().get(EvalSample.DEPTH) instanceof Number n ? n.doubleValue() : null;
    }
}
