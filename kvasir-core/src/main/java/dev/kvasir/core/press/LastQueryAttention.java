package dev.kvasir.core.press;

/**
 * TOVA's score: the attention of the last (current) query, A[T−1, j]. As in the paper the
 * default averages over <em>all</em> heads of the layer, giving one shared token set per layer
 * ({@code layerShared}); otherwise per KV head with the GQA aggregation.
 */
record LastQueryAttention(boolean layerShared) implements TokenScorer {

    @Override public String label() { return layerShared ? "tova(layer)" : "tova(head)"; }

    @Override public StatsRequest statsRequest() { return new StatsRequest(false, 1); }

    @Override public float[][] score(LayerView layer, int lo, int hi) {
        AttentionStats st = layer.stats();
        layer.windowRows(label(), 1);
        float[][] perQuery = new float[st.queryHeads()][hi - lo];
        for (int q = 0; q < perQuery.length; q++) System.arraycopy(st.lastRow(q), lo, perQuery[q], 0, hi - lo);
        return aggregate(perQuery, layer.kvHeads(), layer.gqa(), layerShared);
    }

    /** Layer-shared mean over all query heads, or per-KV-head GQA aggregation. */
    static float[][] aggregate(float[][] perQuery, int kvHeads, GqaAggregation gqa, boolean layerShared) {
        if (!layerShared) return gqa.aggregate(perQuery, kvHeads);
        float[] mean = GqaAggregation.MEAN.aggregate(perQuery, 1)[0];
        float[][] out = new float[kvHeads][];
        for (int h = 0; h < kvHeads; h++) out[h] = mean.clone();
        return out;
    }
}
