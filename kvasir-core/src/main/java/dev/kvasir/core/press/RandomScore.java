package dev.kvasir.core.press;

import java.util.SplittableRandom;

/** Uniform random scores, reproducible: one stream per (seed, layer, KV head). */
record RandomScore() implements TokenScorer {

    @Override public String label() { return "random"; }

    @Override public StatsRequest statsRequest() { return StatsRequest.NONE; }

    @Override public float[][] score(LayerView layer, int lo, int hi) {
        float[][] out = new float[layer.kvHeads()][hi - lo];
        for (int h = 0; h < out.length; h++) {
            SplittableRandom rnd = Seeds.stream(layer.seed(), layer.index(), h);
            for (int j = 0; j < out[h].length; j++) out[h][j] = rnd.nextFloat();
        }
        return out;
    }
}
