package dev.kvasir.core.press;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * What a press did to one cache.
 *
 * @param method                 registry name of the press
 * @param label                  what ran: the name plus every option that departs from the paper
 *                               ({@link Press#label()}), e.g. {@code kvmerger:heavy-score=window}
 * @param options                effective options (the variant)
 * @param budgetRequested        the budget as given, e.g. {@code fraction=0.35}
 * @param requestedFraction      the budget as a fraction of the prompt (C/T before rounding)
 * @param achievedFraction       kept slots / (T · layers · kvHeads); 1 when nothing was done
 * @param promptTokens           T
 * @param bytesBefore            key/value bytes in use before (the logical count: slots × 2 × headDim × bytes per value)
 * @param bytesAfter             key/value bytes in use after (logical)
 * @param allocatedBytesBefore   bytes the cache's stores held before (keys, values, positions, masses and free
 *                               capacity), measured from {@link dev.kvasir.core.kv.KvCache#allocatedBytes()}
 * @param allocatedBytesAfter    bytes the stores hold after: evicted memory is really released; includes the
 *                               headroom left for decoding and the masses of merged slots
 * @param keptPerLayer           slots kept per layer (summed over KV heads)
 * @param keptPerHead            slots kept per [layer][kvHead]
 * @param layerCompressionRatios kept / (T · kvHeads) per layer (KVMerger's "per-layer
 *                               compression ratio")
 * @param compressMillis         wall time of {@link Press#compress}
 * @param details                method-specific figures (merged tokens, ε per layer, …)
 * @param skipped                why the cache was left whole without running the method (e.g.
 *                               {@code prompt shorter than 64 tokens}), or null when it ran
 * @param budgetNote             null when the kept key/value bytes are within ±{@value #BUDGET_TOLERANCE_PERCENT} %
 *                               of the requested C·layers·kvHeads slots; otherwise the figures and why
 */
public record CompressionReport(String method, String label, Map<String, String> options, String budgetRequested,
                                double requestedFraction, double achievedFraction, int promptTokens,
                                long bytesBefore, long bytesAfter, long allocatedBytesBefore, long allocatedBytesAfter,
                                int[] keptPerLayer, int[][] keptPerHead, double[] layerCompressionRatios,
                                double compressMillis, Map<String, String> details, String skipped, String budgetNote) {

    /** Kept bytes may differ from the request by this much (percent of the requested bytes) without a note. */
    public static final int BUDGET_TOLERANCE_PERCENT = 2;

    /**
     * This report after the kept slots were re-stored at another precision (a quantised cache is
     * compressed in F16, then quantised): bytes after are those of the stored cache, and the
     * details name the precision.
     */
    public CompressionReport stored(String precision, long bytesAfterStored, long allocatedAfterStored) {
        Map<String, String> d = new java.util.LinkedHashMap<>(details);
        d.put("stored_as", precision);
        d.put("bytes_before_storing", Long.toString(allocatedBytesAfter));
        return new CompressionReport(method, label, options, budgetRequested, requestedFraction, achievedFraction, promptTokens,
                bytesBefore, bytesAfterStored, allocatedBytesBefore, allocatedAfterStored, keptPerLayer, keptPerHead,
                layerCompressionRatios, compressMillis, d, skipped, budgetNote);
    }

    public long keptSlots() {
        long n = 0;
        for (int k : keptPerLayer) n += k;
        return n;
    }

    /** One line for logs. */
    public String summary() {
        if (skipped != null) return label + " budget " + budgetRequested + ": skipped, " + skipped;
        return String.format(Locale.ROOT, "%s %s budget %s (%.4f) -> kept %.4f of %d tokens, %d -> %d bytes (%d -> %d allocated) in %.2f ms%s%s",
                label, options, budgetRequested, requestedFraction, achievedFraction, promptTokens, bytesBefore, bytesAfter,
                allocatedBytesBefore, allocatedBytesAfter, compressMillis, details.isEmpty() ? "" : " " + details,
                budgetNote == null ? "" : " (" + budgetNote + ")");
    }

    @Override public String toString() {
        return summary() + " keptPerLayer=" + Arrays.toString(keptPerLayer);
    }
}
