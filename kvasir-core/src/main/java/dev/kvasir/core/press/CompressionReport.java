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
 * @param slidingLayers          for a model with sliding-window layers, those layers (which the press does not
 *                               touch); slot counts, fractions and ratios are then over the global layers only,
 *                               bytes over the whole cache; null when every layer is global
 */
public record CompressionReport(String method, String label, Map<String, String> options, String budgetRequested,
                                double requestedFraction, double achievedFraction, int promptTokens,
                                long bytesBefore, long bytesAfter, long allocatedBytesBefore, long allocatedBytesAfter,
                                int[] keptPerLayer, int[][] keptPerHead, double[] layerCompressionRatios,
                                double compressMillis, Map<String, String> details, String skipped, String budgetNote,
                                SlidingLayers slidingLayers) {

    /** A report of a cache whose layers all hold the whole context. */
    public CompressionReport(String method, String label, Map<String, String> options, String budgetRequested,
                             double requestedFraction, double achievedFraction, int promptTokens,
                             long bytesBefore, long bytesAfter, long allocatedBytesBefore, long allocatedBytesAfter,
                             int[] keptPerLayer, int[][] keptPerHead, double[] layerCompressionRatios,
                             double compressMillis, Map<String, String> details, String skipped, String budgetNote) {
        this(method, label, options, budgetRequested, requestedFraction, achievedFraction, promptTokens, bytesBefore, bytesAfter,
                allocatedBytesBefore, allocatedBytesAfter, keptPerLayer, keptPerHead, layerCompressionRatios, compressMillis, details,
                skipped, budgetNote, null);
    }

    /**
     * The layers a press leaves alone: sliding-window layers, each holding at most {@code window}
     * slots per KV head whatever the prompt.
     *
     * @param globalLayers  model indices of the layers the press compressed (the report's layers, in order)
     * @param localLayers   model indices of the sliding-window layers
     * @param window        tokens a local layer keeps
     * @param slotsPerLayer slots each local layer holds (summed over KV heads)
     * @param bytes         key/value bytes of the local layers' slots (logical)
     * @param allocatedBytes bytes their stores hold
     */
    public record SlidingLayers(int[] globalLayers, int[] localLayers, int window, int[] slotsPerLayer, long bytes,
                                long allocatedBytes) {
        public static SlidingLayers of(dev.kvasir.core.kv.KvCache cache) {
            int[] local = cache.localLayers();
            int[] slots = new int[local.length];
            long bytes = 0, allocated = 0;
            for (int i = 0; i < local.length; i++) {
                for (dev.kvasir.core.kv.HeadCache h : cache.layer(local[i])) {
                    slots[i] += h.size();
                    bytes += h.usedBytes();
                    allocated += h.bytes();
                }
            }
            return new SlidingLayers(cache.globalLayers(), local, cache.window(), slots, bytes, allocated);
        }
    }

    /**
     * This report (made over the global layers) with the sliding-window layers it leaves out: the
     * byte figures become the whole cache's (the local layers' bytes, untouched by the press, added
     * before and after); slot counts, fractions and ratios stay those of the global layers.
     */
    public CompressionReport withSlidingLayers(SlidingLayers sliding) {
        return new CompressionReport(method, label, options, budgetRequested, requestedFraction, achievedFraction, promptTokens,
                bytesBefore + sliding.bytes(), bytesAfter + sliding.bytes(), allocatedBytesBefore + sliding.allocatedBytes(),
                allocatedBytesAfter + sliding.allocatedBytes(), keptPerLayer, keptPerHead, layerCompressionRatios,
                compressMillis, details, skipped, budgetNote, sliding);
    }

    /** Kept bytes may differ from the request by this much (percent of the requested bytes) without a note. */
    public static final int BUDGET_TOLERANCE_PERCENT = 2;

    /**
     * This report after the kept slots of {@code cache} (the whole cache the report is about) were
     * re-stored at another precision (a quantised cache is compressed in F16, then quantised):
     * bytes after are those of the stored cache, sliding-window layers (re-stored too) measured
     * again, and the details name the precision.
     */
    public CompressionReport stored(dev.kvasir.core.kv.KvCache cache) {
        Map<String, String> d = new java.util.LinkedHashMap<>(details);
        d.put("stored_as", cache.precisionLabel());
        d.put("bytes_before_storing", Long.toString(allocatedBytesAfter));
        return new CompressionReport(method, label, options, budgetRequested, requestedFraction, achievedFraction, promptTokens,
                bytesBefore, cache.usedBytes(), allocatedBytesBefore, cache.allocatedBytes(), keptPerLayer, keptPerHead,
                layerCompressionRatios, compressMillis, d, skipped, budgetNote,
                slidingLayers == null ? null : SlidingLayers.of(cache));
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
