package dev.kvasir.core.press;

/**
 * SnapKV's "voting" score (also PyramidKV, AdaKV, DynamicKV): per query head,
 * v_j = (1/w) Σ_{i ∈ last w queries} A[i, j], then ŝ = pool1d(v, k) over the selectable slots
 * (stride 1, padding ⌊k/2⌋), then GQA-reduced (after pooling, as kvpress). Mean and sum over the
 * window rank identically. With {@code gqaFirst} the window means are GQA-reduced <em>before</em>
 * pooling, as the official AdaKV code ({@code --gqa_support}) and KVCache-Factory's AdaKV do;
 * with max-pooling the two orders differ.
 */
record WindowAttention(int window, int kernel, Pooling pooling, boolean gqaFirst) implements TokenScorer {

    WindowAttention(int window, int kernel, Pooling pooling) { this(window, kernel, pooling, false); }

    WindowAttention {
        if (window < 1) throw new IllegalArgumentException("observation window must be >= 1, got " + window);
        if (kernel < 1 || kernel % 2 == 0) throw new IllegalArgumentException("pooling kernel must be odd and >= 1, got " + kernel);
    }

    @Override public String label() { return "snapkv(w=" + window + ",k=" + kernel + "," + pooling.label() + (gqaFirst ? ",gqa-first" : "") + ")"; }

    @Override public StatsRequest statsRequest() { return new StatsRequest(false, window); }

    @Override public float[][] score(LayerView layer, int lo, int hi) {
        int w = Math.min(window, layer.tokens());
        float[][][] rows = layer.windowRows(label(), w);
        float[][] perQuery = new float[rows.length][];
        for (int q = 0; q < rows.length; q++) {
            float[][] r = rows[q];
            float[] v = new float[hi - lo];
            for (int i = r.length - w; i < r.length; i++) {
                float[] row = r[i];
                for (int j = lo; j < hi; j++) v[j - lo] += row[j];
            }
            float inv = 1f / w;
            for (int j = 0; j < v.length; j++) v[j] *= inv;
            perQuery[q] = gqaFirst ? v : pooling.apply(v, kernel);
        }
        float[][] perKvHead = layer.gqa().aggregate(perQuery, layer.kvHeads());
        if (gqaFirst) for (int h = 0; h < perKvHead.length; h++) perKvHead[h] = pooling.apply(perKvHead[h], kernel);
        return perKvHead;
    }
}
