package dev.kvasir.server.metrics;

import dev.kvasir.server.engine.InferenceEngine;
import dev.kvasir.server.engine.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;

/**
 * The server's Prometheus metrics (names as exposed on /metrics):
 * <ul>
 *   <li>{@code kvasir_requests_total{endpoint,status}}: finished HTTP requests</li>
 *   <li>{@code kvasir_errors_total{endpoint,code}}: error responses by error code</li>
 *   <li>{@code kvasir_rejected_total{reason}}: requests refused by admission (queue_full, timed_out, never_fits)</li>
 *   <li>{@code kvasir_cancelled_total{reason}}: generations stopped early (disconnect, timeout)</li>
 *   <li>{@code kvasir_prompt_tokens_total}, {@code kvasir_generated_tokens_total}</li>
 *   <li>{@code kvasir_decode_tokens_per_second}: per-request decode speed (count, sum, max)</li>
 *   <li>{@code kvasir_request_duration_seconds{endpoint}}: wall time of completion and inspect requests</li>
 *   <li>{@code kvasir_queue_length}, {@code kvasir_active_decodes} (admitted), {@code kvasir_batch_decoding}
 *       (in the decode batch now), {@code kvasir_decode_slots}</li>
 *   <li>{@code kvasir_out_of_memory_total}: requests that failed (503) because the JVM ran out of memory</li>
 *   <li>{@code kvasir_kv_reserved_bytes} (admission accounting), {@code kvasir_kv_used_bytes} (held by live caches),
 *       {@code kvasir_kv_limit_bytes}</li>
 *   <li>the prompt cache of finished conversations: {@code kvasir_prompt_cache_hits_total},
 *       {@code kvasir_prompt_cache_misses_total}, {@code kvasir_prompt_cache_cached_tokens_total} (prompt tokens not
 *       prefilled thanks to it), {@code kvasir_prompt_cache_evictions_total}, {@code kvasir_prompt_cache_bytes},
 *       {@code kvasir_prompt_cache_entries}, {@code kvasir_prompt_cache_limit_bytes}</li>
 *   <li>JVM memory and thread metrics ({@code jvm_memory_used_bytes}, ...)</li>
 * </ul>
 */
public final class ServerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter promptTokens;
    private final Counter generatedTokens;
    private final DistributionSummary decodeSpeed;

    public ServerMetrics(InferenceEngine engine) {
        Gauge.builder("kvasir.queue.length", engine, InferenceEngine::queueLength)
                .description("Requests waiting for a decode slot or KV memory").register(registry);
        Gauge.builder("kvasir.active.decodes", engine, InferenceEngine::activeDecodes)
                .description("Requests decoding now").register(registry);
        Gauge.builder("kvasir.batching", engine, e -> e.batching() ? 1 : 0)
                .description("1 with continuous batching, 0 with one slot per request (--batching off)").register(registry);
        Gauge.builder("kvasir.batch.decoding", engine, InferenceEngine::batchDecoding)
                .description("Sequences decoding together in the batch now (prefilling ones excluded)").register(registry);
        Gauge.builder("kvasir.decode.slots", engine, InferenceEngine::parallel)
                .description("Requests that may decode at once (--parallel)").register(registry);
        Gauge.builder("kvasir.kv.reserved", engine, InferenceEngine::reservedKvBytes).baseUnit("bytes")
                .description("KV cache bytes reserved by admitted requests").register(registry);
        Gauge.builder("kvasir.kv.used", engine, InferenceEngine::liveKvBytes).baseUnit("bytes")
                .description("KV cache bytes held by running requests").register(registry);
        Gauge.builder("kvasir.kv.limit", engine, InferenceEngine::maxKvMemory).baseUnit("bytes")
                .description("Admission limit on KV cache bytes (--max-kv-memory)").register(registry);
        FunctionCounter.builder("kvasir.prompt.cache.hits", engine, InferenceEngine::promptCacheHits)
                .description("Requests that continued a kept conversation's cache").register(registry);
        FunctionCounter.builder("kvasir.prompt.cache.misses", engine, InferenceEngine::promptCacheMisses)
                .description("Requests that found no kept conversation to continue").register(registry);
        FunctionCounter.builder("kvasir.prompt.cache.cached.tokens", engine, InferenceEngine::promptCacheTokens)
                .description("Prompt tokens taken from kept conversations instead of prefilled").register(registry);
        FunctionCounter.builder("kvasir.prompt.cache.evictions", engine, InferenceEngine::promptCacheEvictions)
                .description("Kept conversations evicted (least recently used) to make room").register(registry);
        Gauge.builder("kvasir.prompt.cache", engine, InferenceEngine::promptCacheBytes).baseUnit("bytes")
                .description("KV cache bytes held by kept conversations").register(registry);
        Gauge.builder("kvasir.prompt.cache.entries", engine, InferenceEngine::promptCacheEntries)
                .description("Conversations kept for reuse").register(registry);
        Gauge.builder("kvasir.prompt.cache.limit", engine, InferenceEngine::promptCacheLimitBytes).baseUnit("bytes")
                .description("Bytes kept conversations may hold (--prompt-cache-memory)").register(registry);
        promptTokens = Counter.builder("kvasir.prompt.tokens").description("Prompt tokens processed").register(registry);
        generatedTokens = Counter.builder("kvasir.generated.tokens").description("Tokens generated").register(registry);
        decodeSpeed = DistributionSummary.builder("kvasir.decode.tokens.per.second")
                .description("Decode speed of each finished request").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
    }

    /** A finished HTTP request (any endpoint, any status). */
    public void request(String endpoint, int status) {
        registry.counter("kvasir.requests", "endpoint", endpoint, "status", Integer.toString(status)).increment();
    }

    /** An error response. */
    public void error(String endpoint, String code) {
        registry.counter("kvasir.errors", "endpoint", endpoint, "code", code).increment();
    }

    public void rejected(String reason) {
        registry.counter("kvasir.rejected", "reason", reason).increment();
    }

    /** A request failed because the JVM ran out of memory (answered 503). */
    public void outOfMemory() {
        registry.counter("kvasir.out.of.memory").increment();
    }

    public void cancelled(String reason) {
        registry.counter("kvasir.cancelled", "reason", reason).increment();
    }

    public void duration(String endpoint, Duration d) {
        Timer.builder("kvasir.request.duration").tag("endpoint", endpoint).register(registry).record(d);
    }

    /** Token counts and speed of a generation that ran (whatever its outcome). */
    public void generated(Outcome o) {
        promptTokens.increment(o.promptTokens());
        generatedTokens.increment(o.completionTokens());
        if (o.result().decodeSteps() > 0) decodeSpeed.record(o.result().decodeTokensPerSecond());
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
