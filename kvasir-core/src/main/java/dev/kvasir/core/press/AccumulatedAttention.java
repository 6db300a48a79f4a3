package dev.kvasir.core.press;

/**
 * H2O's heavy-hitter score: a_j = Σ_i A[i, j], the column sum of the causal attention over all
 * prompt queries (the original "raw sum"); or kvpress's ObservedAttention normalisation
 * a_j / n_j with n_j = the number of queries that could see j (T − j for a plain prompt), which
 * removes the bias toward early tokens. Per query head, then GQA-reduced.
 */
record AccumulatedAttention(boolean normalised) implements TokenScorer {

    @Override public String label() { return normalised ? "h2o-normalised" : "h2o"; }

    @Override public StatsRequest statsRequest() { return new StatsRequest(true, 0); }

    @Override public float[][] score(LayerView layer, int lo, int hi) {
        float[][] cols = layer.columnSums(label());
        int t = layer.tokens();
        int[] seen = layer.stats().queriesSeen();
        float[][] perQuery = new float[cols.length][hi - lo];
        for (int q = 0; q < cols.length; q++) {
            for (int j = lo; j < hi; j++) {
                float a = cols[q][j];
                if (normalised) a /= Math.max(1, seen != null ? seen[j] : t - j);
                perQuery[q][j - lo] = a;
            }
        }
        return layer.gqa().aggregate(perQuery, layer.kvHeads());
    }
}
