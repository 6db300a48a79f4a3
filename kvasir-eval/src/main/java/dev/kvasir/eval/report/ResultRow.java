package dev.kvasir.eval.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One generated answer and what it cost: a line of a results file (JSON lines, field names as
 * below). Written by the runner, read by {@link ReportWriter}.
 *
 * @param sampleId               {@link dev.kvasir.eval.EvalSample#id()}
 * @param task                   task name (niah, passkey, niah_single_1, multi_news, ...)
 * @param method                 compression method; the full-cache baseline is {@code full}
 * @param options                method options as given (window, kernel, pooling, ...)
 * @param budgetRequested        the budget asked for, in the method's own unit: a fraction of the
 *                               KV cache kept (0.25) or tokens per layer (128); 1 for {@code full}
 * @param budgetAchieved         the fraction of the prompt's KV entries actually kept (0..1)
 * @param kvBytesKept            KV cache bytes after compression
 * @param kvBytesFull            KV cache bytes the full cache would take
 * @param score                  the metric's score, 0..1
 * @param prediction             the generated text
 * @param expected               the references
 * @param promptTokens           prompt length in tokens (chat template included)
 * @param prefillTokensPerSecond prompt tokens per second of prefill
 * @param decodeTokensPerSecond  generated tokens per second
 * @param compressMillis         time spent compressing the cache
 * @param layerKept              per layer, KV entries kept (summed over heads); may be null
 * @param layerRatios            per layer, compression ratio kept/full (KVMerger: after merging); may be null
 * @param contextLength          the sample's target length in tokens (heatmap x axis)
 * @param depth                  needle depth 0..1 for needle tasks, else null (heatmap y axis)
 * @param queryMode              {@code agnostic} (context compressed alone, kvpress default) or {@code aware}
 * @param nll                    fidelity task: mean NLL of the teacher-forced continuation (nats), else null
 * @param ppl                    fidelity task: exp(nll), else null
 * @param kl                     fidelity task: mean KL(full ‖ this cache) of the next-token distributions, else null
 * @param top1Agreement          fidelity task: fraction of positions whose most likely token is the full cache's, else null
 * @param fidelityBuckets        fidelity task: the same per run of continuation positions, else null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultRow(
        String sampleId,
        String task,
        String method,
        Map<String, Object> options,
        double budgetRequested,
        double budgetAchieved,
        long kvBytesKept,
        long kvBytesFull,
        double score,
        String prediction,
        List<String> expected,
        int promptTokens,
        double prefillTokensPerSecond,
        double decodeTokensPerSecond,
        double compressMillis,
        int[] layerKept,
        double[] layerRatios,
        int contextLength,
        Double depth,
        String queryMode,
        Double nll,
        Double ppl,
        Double kl,
        @JsonProperty("top1_agreement") Double top1Agreement,
        List<FidelityScores.Bucket> fidelityBuckets) {

    public ResultRow {
        options = options == null ? Map.of() : Map.copyOf(options);
        expected = expected == null ? List.of() : List.copyOf(expected);
        layerKept = layerKept == null ? null : layerKept.clone();
        layerRatios = layerRatios == null ? null : layerRatios.clone();
        fidelityBuckets = fidelityBuckets == null ? null : List.copyOf(fidelityBuckets);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Fluent construction for runners; unset numbers are 0, lists empty, arrays and depth null. */
    public static final class Builder {
        private String sampleId;
        private String task;
        private String method;
        private Map<String, Object> options = Map.of();
        private double budgetRequested;
        private double budgetAchieved;
        private long kvBytesKept;
        private long kvBytesFull;
        private double score;
        private String prediction = "";
        private List<String> expected = List.of();
        private int promptTokens;
        private double prefillTokensPerSecond;
        private double decodeTokensPerSecond;
        private double compressMillis;
        private int[] layerKept;
        private double[] layerRatios;
        private int contextLength;
        private Double depth;
        private String queryMode = "agnostic";
        private FidelityScores fidelity;

        public Builder sampleId(String v) { sampleId = v; return this; }
        public Builder task(String v) { task = v; return this; }
        public Builder method(String v) { method = v; return this; }
        public Builder options(Map<String, Object> v) { options = v; return this; }
        public Builder budget(double requested, double achieved) { budgetRequested = requested; budgetAchieved = achieved; return this; }
        public Builder kvBytes(long kept, long full) { kvBytesKept = kept; kvBytesFull = full; return this; }
        public Builder score(double v) { score = v; return this; }
        public Builder prediction(String v) { prediction = v; return this; }
        public Builder expected(List<String> v) { expected = v; return this; }
        public Builder promptTokens(int v) { promptTokens = v; return this; }
        public Builder speed(double prefillTokensPerSecond, double decodeTokensPerSecond) {
            this.prefillTokensPerSecond = prefillTokensPerSecond;
            this.decodeTokensPerSecond = decodeTokensPerSecond;
            return this;
        }
        public Builder compressMillis(double v) { compressMillis = v; return this; }
        public Builder layerKept(int[] v) { layerKept = v; return this; }
        public Builder layerRatios(double[] v) { layerRatios = v; return this; }
        public Builder contextLength(int v) { contextLength = v; return this; }
        public Builder depth(Double v) { depth = v; return this; }
        public Builder queryMode(String v) { queryMode = v; return this; }
        public Builder fidelity(FidelityScores v) { fidelity = v; return this; }

        public ResultRow build() {
            Objects.requireNonNull(sampleId, "sampleId");
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(method, "method");
            return new ResultRow(sampleId, task, method, options, budgetRequested, budgetAchieved, kvBytesKept, kvBytesFull,
                    score, prediction, expected, promptTokens, prefillTokensPerSecond, decodeTokensPerSecond, compressMillis,
                    layerKept, layerRatios, contextLength, depth, queryMode,
                    fidelity == null ? null : fidelity.nll(), fidelity == null ? null : fidelity.ppl(),
                    fidelity == null ? null : fidelity.kl(), fidelity == null ? null : fidelity.top1Agreement(),
                    fidelity == null ? null : fidelity.buckets());
        }
    }
}
