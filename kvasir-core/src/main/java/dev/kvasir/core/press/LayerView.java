package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;

/**
 * What a {@link TokenScorer} sees of one layer: its KV heads, its prefill statistics (null when
 * the press requested none) and the GQA aggregation to apply to per-query-head scores.
 */
public record LayerView(int index, int layers, HeadCache[] heads, AttentionStats stats, GqaAggregation gqa, long seed) {

    public int kvHeads() { return heads.length; }

    public int tokens() { return heads[0].size(); }

    /** The column sums, failing with a clear message when the engine did not gather them. */
    public float[][] columnSums(String who) {
        if (stats == null || stats.columnSums() == null)
            throw new IllegalStateException(who + " needs attention column sums of layer " + index + " but the engine did not gather them (StatsRequest.columnSums)");
        return stats.columnSums();
    }

    /** The window rows, failing with a clear message when fewer than {@code need} were gathered. */
    public float[][][] windowRows(String who, int need) {
        if (stats == null || stats.windowRows() == null || stats.window() < need)
            throw new IllegalStateException(who + " needs the attention rows of the last " + need + " queries of layer " + index
                    + " but the engine gathered " + (stats == null ? 0 : stats.window()) + " (StatsRequest.window)");
        return stats.windowRows();
    }
}
