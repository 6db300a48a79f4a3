package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;

/**
 * KNorm (Devoto et al. 2024): score_j = −‖k_j‖₂, keep low-norm keys. Needs no attention
 * statistics.
 */
record KeyNorm() implements TokenScorer {

    @Override public String label() { return "knorm"; }

    @Override public StatsRequest statsRequest() { return StatsRequest.NONE; }

    @Override public float[][] score(LayerView layer, int lo, int hi) {
        float[][] out = new float[layer.kvHeads()][hi - lo];
        for (int h = 0; h < out.length; h++) {
            HeadCache head = layer.heads()[h];
            float[] k = new float[head.headDim()];
            for (int j = lo; j < hi; j++) {
                head.keys().get(j, k, 0);
                double s = 0;
                for (float x : k) s += (double) x * x;
                out[h][j - lo] = (float) -Math.sqrt(s);
            }
        }
        return out;
    }
}
