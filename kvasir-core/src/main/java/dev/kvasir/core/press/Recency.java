package dev.kvasir.core.press;

/** score_j = j: later tokens first. With protected sinks this is StreamingLLM. */
record Recency() implements TokenScorer {

    @Override public String label() { return "recency"; }

    @Override public StatsRequest statsRequest() { return StatsRequest.NONE; }

    @Override public float[][] score(LayerView layer, int lo, int hi) {
        float[][] out = new float[layer.kvHeads()][hi - lo];
        for (float[] o : out) for (int j = lo; j < hi; j++) o[j - lo] = j;
        return out;
    }
}
