package dev.kvasir.core.press;

import java.util.Locale;

/**
 * Reduces per-query-head scores to one score per KV head over its GQA group (query heads
 * h·G .. h·G+G−1 share KV head h), so that every KV head makes one selection and the GQA memory
 * saving is kept (kvpress, AdaKV {@code --gqa_support}, KVCache-Factory {@code gqa_score_agg}).
 * {@link #MEAN} is the default.
 */
public enum GqaAggregation {
    MEAN, MAX, SUM;

    /** {@code perQueryHead[q][j]} → {@code [kvHead][j]}. */
    public float[][] aggregate(float[][] perQueryHead, int kvHeads) {
        int qh = perQueryHead.length;
        if (kvHeads <= 0 || qh % kvHeads != 0) throw new IllegalArgumentException(qh + " query heads cannot be grouped into " + kvHeads + " KV heads");
        int g = qh / kvHeads;
        int n = qh == 0 ? 0 : perQueryHead[0].length;
        float[][] out = new float[kvHeads][];
        for (int h = 0; h < kvHeads; h++) {
            float[] o = perQueryHead[h * g].clone();
            for (int q = h * g + 1; q < (h + 1) * g; q++) {
                float[] r = perQueryHead[q];
                if (this == MAX) for (int j = 0; j < n; j++) o[j] = Math.max(o[j], r[j]);
                else for (int j = 0; j < n; j++) o[j] += r[j];
            }
            if (this == MEAN && g > 1) {
                float inv = 1f / g;
                for (int j = 0; j < n; j++) o[j] *= inv;
            }
            out[h] = o;
        }
        return out;
    }

    public String label() { return name().toLowerCase(Locale.ROOT); }

    static GqaAggregation parse(Options o) {
        return valueOf(o.choice("gqa", "mean", "mean", "max", "sum").toUpperCase(Locale.ROOT));
    }
}
