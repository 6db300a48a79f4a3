package dev.kvasir.core.press;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * What a press did to one cache.
 *
 * @param method                 registry name of the press
 * @param options                effective options (the variant)
 * @param budgetRequested        the budget as given, e.g. {@code fraction=0.35}
 * @param requestedFraction      the budget as a fraction of the prompt (C/T before rounding)
 * @param achievedFraction       kept slots / (T · layers · kvHeads); 1 when nothing was done
 * @param promptTokens           T
 * @param bytesBefore            key/value bytes in use before
 * @param bytesAfter             key/value bytes in use after
 * @param allocatedBytesBefore   bytes allocated by the cache before (resident size)
 * @param allocatedBytesAfter    bytes allocated after: evicted memory is really released
 * @param keptPerLayer           slots kept per layer (summed over KV heads)
 * @param keptPerHead            slots kept per [layer][kvHead]
 * @param layerCompressionRatios kept / (T · kvHeads) per layer (KVMerger's "per-layer
 *                               compression ratio")
 * @param compressMillis         wall time of {@link Press#compress}
 * @param details                method-specific figures (merged tokens, ε per layer, …)
 */
public record CompressionReport(String method, Map<String, String> options, String budgetRequested,
                                double requestedFraction, double achievedFraction, int promptTokens,
                                long bytesBefore, long bytesAfter, long allocatedBytesBefore, long allocatedBytesAfter,
                                int[] keptPerLayer, int[][] keptPerHead, double[] layerCompressionRatios,
                                double compressMillis, Map<String, String> details) {

    public long keptSlots() {
        long n = 0;
        for (int k : keptPerLayer) n += k;
        return n;
    }

    /** One line for logs. */
    public String summary() {
        return String.format(Locale.ROOT, "%s %s budget %s (%.4f) -> kept %.4f of %d tokens, %d -> %d bytes in %.2f ms%s",
                method, options, budgetRequested, requestedFraction, achievedFraction, promptTokens, bytesBefore, bytesAfter,
                compressMillis, details.isEmpty() ? "" : " " + details);
    }

    @Override public String toString() {
        return summary() + " keptPerLayer=" + Arrays.toString(keptPerLayer);
    }
}
