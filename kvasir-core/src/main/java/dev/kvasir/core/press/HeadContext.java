package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;

/** What an {@link OverflowPolicy} sees of one KV head: its cache, its layer's statistics, the GQA rule, a seed. */
public record HeadContext(int layer, int layers, int kvHead, HeadCache head, AttentionStats stats, GqaAggregation gqa, long seed) {

    /** Accumulated attention a_j = Σ_i A[i, j] of every slot of this KV head, GQA-reduced. */
    public float[] accumulatedAttention(String who) {
        if (stats == null || stats.columnSums() == null)
            throw new IllegalStateException(who + " needs attention column sums of layer " + layer + " but the engine did not gather them (StatsRequest.columnSums)");
        float[][] cols = stats.columnSums();
        int g = cols.length / stats.kvHeads();
        float[][] group = new float[g][];
        for (int i = 0; i < g; i++) group[i] = cols[kvHead * g + i];
        return gqa.aggregate(group, 1)[0];
    }
}
