package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Measures a compression (time, bytes, kept slots) and assembles its {@link CompressionReport}. */
final class ReportBuilder {
    private final long start = System.nanoTime();
    private final Press press;
    private final Budget budget;
    private final long bytesBefore;
    private final long allocatedBefore;
    final Map<String, String> details = new LinkedHashMap<>();
    private String skipped;
    private String budgetReason;

    ReportBuilder(Press press, KvCache cache, Budget budget) {
        this.press = press;
        this.budget = budget;
        this.bytesBefore = cache.usedBytes();
        this.allocatedBefore = cache.allocatedBytes();
    }

    ReportBuilder detail(String key, Object value) {
        details.put(key, String.valueOf(value));
        return this;
    }

    /** The cache is left whole without running the method, for this reason. */
    ReportBuilder skip(String reason) {
        skipped = reason;
        budgetReason = "skipped: " + reason;
        return this;
    }

    /**
     * Why the kept bytes may differ from the requested budget (e.g. "layers 0, 1 and L-1 are never
     * merged"): shown in the report's budget note when they differ by more than the tolerance.
     */
    ReportBuilder budgetReason(String why) {
        budgetReason = budgetReason == null ? why : budgetReason + "; " + why;
        return this;
    }

    CompressionReport finish(KvCache cache, int tokens) {
        int layers = cache.layers(), heads = cache.kvHeads();
        CacheOccupancy o = CacheOccupancy.of(cache, tokens);
        int[][] perHead = o.perHead();
        int[] perLayer = o.perLayer();
        double[] ratios = o.ratios();
        long kept = o.kept();
        double achieved = o.achieved();
        double ms = (System.nanoTime() - start) / 1e6;
        return new CompressionReport(press.name(), press.label(), press.options(), budget.describe(), budget.requestedFraction(tokens),
                achieved, tokens, bytesBefore, cache.usedBytes(), allocatedBefore, cache.allocatedBytes(), perLayer, perHead, ratios, ms,
                Collections.unmodifiableMap(new LinkedHashMap<>(details)), skipped, budgetNote(kept, (long) layers * heads, tokens));
    }

    /**
     * Null when the kept slots (hence key/value bytes, every slot having the same size) are within
     * the tolerance of the request, min(C, T) slots per head on average; else the figures and the
     * reason the press gave, or "no reason given by the press".
     */
    private String budgetNote(long kept, long heads, int tokens) {
        if (tokens == 0) return null;
        long requested = heads * Math.min(budget.capacity(tokens), tokens);
        if (Math.abs(kept - requested) * 100 <= (long) CompressionReport.BUDGET_TOLERANCE_PERCENT * requested) return null;
        return String.format(Locale.ROOT, "kept %.4f of the prompt's KV bytes, requested %.4f (%+.1f %%): %s",
                (double) kept / (heads * tokens), (double) requested / (heads * tokens), 100.0 * (kept - requested) / requested,
                budgetReason == null ? "no reason given by the press" : budgetReason);
    }
}
