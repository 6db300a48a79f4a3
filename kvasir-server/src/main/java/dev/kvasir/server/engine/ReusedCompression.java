package dev.kvasir.server.engine;

import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.press.CacheOccupancy;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.core.press.Press;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The compression report of a request that continued a kept compressed conversation: no press
 * ran, the history was compressed in an earlier turn and the new tokens were appended whole. So
 * that {@code usage.kv_compression} still says what the cache is (its method, what it keeps of
 * the prompt and why that is more than the budget), rather than "none".
 */
final class ReusedCompression {
    private ReusedCompression() {}

    /**
     * @param cache            the cache after the new tokens were prefilled
     * @param promptTokens     the whole prompt
     * @param cachedTokens     prompt tokens taken from the kept cache
     * @param compressedTokens prompt tokens the press compressed, in the turn that ran it
     */
    static CompressionReport report(CompressionSpec spec, Press press, KvCache cache, int promptTokens, int cachedTokens,
                                    int compressedTokens) {
        CacheOccupancy occupancy = CacheOccupancy.of(cache, promptTokens);
        double achieved = occupancy.achieved();
        double requested = spec.budget().requestedFraction(promptTokens);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("reused_tokens", Integer.toString(cachedTokens));
        details.put("compressed_tokens", Integer.toString(compressedTokens));
        String note = String.format(Locale.ROOT, "kept %.4f of the prompt's KV bytes, requested %.4f: the first %d tokens were compressed"
                        + " in an earlier turn and the %d after them appended whole (a continued conversation is not compressed again)",
                achieved, requested, compressedTokens, promptTokens - compressedTokens);
        long full = cache.fullBytes(promptTokens);
        return new CompressionReport(spec.method(), press.label(), press.options(), spec.budget().describe(), requested, achieved,
                promptTokens, full, cache.usedBytes(), full, cache.allocatedBytes(), occupancy.perLayer(), occupancy.perHead(), occupancy.ratios(), 0, java.util.Collections.unmodifiableMap(details),
                null, note);
    }
}
