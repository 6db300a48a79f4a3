package dev.kvasir.server.engine;

import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.ModelConfig;

/**
 * Estimates, before a request runs, the most KV-cache bytes it will hold, so admission can keep
 * the sum under the server's limit. The peak is what matters: a compressed request first holds
 * its whole prompt (prefill runs with the full cache and the press compresses afterwards), then
 * the kept slots plus every generated token.
 */
public final class KvEstimator {
    private final long bytesPerToken;
    /** A quantised cache's prompt is prefilled in F16 ({@link KvPrecision#staging()}), then stored quantised. */
    private final long stagingBytesPerToken;

    public KvEstimator(ModelConfig config, KvPrecision precision) {
        this.bytesPerToken = config.kvBytesPerToken(precision, precision);
        this.stagingBytesPerToken = config.kvBytesPerToken(precision.staging(), precision.staging());
    }

    public long bytesPerToken() { return bytesPerToken; }

    /** Peak KV bytes of a request with this prompt, generation limit and compression. */
    public long peakBytes(int promptTokens, int maxTokens, CompressionSpec compression) {
        if (stagingBytesPerToken == bytesPerToken) return peakTokens(promptTokens, maxTokens, compression) * bytesPerToken;
        // the prompt whole at the staging precision, then what is kept plus the reply at the stored one
        long kept = compression.compresses() ? compression.keptTokens(promptTokens) : promptTokens;
        return Math.max((long) promptTokens * stagingBytesPerToken, (kept + maxTokens) * bytesPerToken);
    }

    /**
     * Peak KV bytes of an inspection: the prefilled prompt stays whole while each method holds its
     * own copy, compressed but (bounded above) as large as the prompt, plus its answer.
     */
    public long inspectionPeakBytes(int promptTokens, int maxTokens, int methods) {
        return (long) (1 + methods) * ((long) promptTokens + maxTokens) * bytesPerToken;
    }

    /**
     * KV bytes a batched request holds for its run: the slots its press keeps (every slot of
     * the prompt without one) plus room for the reply, as the cache is allocated (at least 16
     * free slots per head after a press). This is what admission counts per sequence.
     */
    public long runBytes(int promptTokens, int maxTokens, CompressionSpec compression) {
        return runTokens(promptTokens, maxTokens, compression) * bytesPerToken;
    }

    /**
     * What a batched request may hold beyond {@link #runBytes} while its prompt is prefilled
     * uncompressed: the full cache of prompt and reply, less its run bytes (0 without a press).
     * A compressed cache never outgrows the full one, so a sequence stays within its reservation
     * even when its press keeps more than the budget says (pyramidkv's per-layer rounding).
     */
    public long transientBytes(int promptTokens, int maxTokens, CompressionSpec compression) {
        long full = runTokens(promptTokens, maxTokens, CompressionSpec.NONE);
        return Math.max(0, full - runTokens(promptTokens, maxTokens, compression)) * bytesPerToken;
    }

    static long runTokens(int promptTokens, int maxTokens, CompressionSpec compression) {
        if (!compression.compresses()) return Math.max(16, (long) promptTokens + maxTokens);
        return (long) compression.keptTokens(promptTokens) + Math.max(16, maxTokens);
    }

    static long peakTokens(int promptTokens, int maxTokens, CompressionSpec compression) {
        long full = (long) promptTokens + maxTokens;
        if (!compression.compresses()) return full;
        long afterCompression = (long) compression.keptTokens(promptTokens) + maxTokens;
        return Math.max(promptTokens, afterCompression);
    }
}
