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
                .sampleId(sample.id()).task(sample.meta(EvalSample.TASK_LABEL, task)).method(c.method().label()).options(options)
                .prediction(r.text()).expected(sample.answers()).score(Metrics.score(sample, r.text()))
                .promptTokens(r.promptTokens())
                .speed(r.prefillTokensPerSecond(), r.decodeTokensPerSecond())
                .contextLength(contextLength(sample, r.promptTokens()))
                .depth(depth(sample))
                .queryMode(mode.label());
        if (kv == null) {
            b.budget(c.budget().requested(), 1.0).kvBytes(r.kvBytesHeld(), o.fullCacheBytes()).kvBytesKeptLogical(o.fullCacheBytes());
        } else {
            b.budget(c.budget().requested(), kv.achievedFraction()).kvBytes(r.kvBytesHeld(), kv.bytesBefore())
                    .kvBytesKeptLogical(kv.bytesAfter()).budgetNote(kv.budgetNote())
                    .compressMillis(kv.compressMillis()).layerKept(kv.keptPerLayer()).layerRatios(kv.layerCompressionRatios());
        }
        return b.build();
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
