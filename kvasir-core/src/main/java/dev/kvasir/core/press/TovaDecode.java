package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;

import java.util.Arrays;

/**
 * TOVA (Oren et al. 2024) during generation: when a head is over budget, drop the slots with the
 * lowest attention from the <em>current</em> query, averaged over all heads of the layer (one
 * shared token set per layer) when every KV head of the layer holds the same positions, otherwise
 * over the KV head's query group. The newest token is always kept.
 */
final class TovaDecode extends DecodeEviction {
    private final boolean layerShared;
    private final GqaAggregation gqa;

    TovaDecode(int maxTokens, int interval, boolean layerShared, GqaAggregation gqa) {
        super(maxTokens, interval);
        this.layerShared = layerShared;
        this.gqa = gqa;
    }

    @Override boolean choiceNeedsRows() { return true; }

    @Override float[][] rowScores(float[][] rows, KvCache cache, int layer) {
        HeadCache[] heads = cache.layer(layer);
        boolean shared = layerShared;
        for (int h = 1; h < heads.length && shared; h++) shared = Arrays.equals(heads[0].positions(), heads[h].positions());
        float[][] out = new float[heads.length][];
        if (shared) {
            for (int h = 0; h < heads.length; h++) group(rows, cache, layer, h); // size checks
            float[] mean = GqaAggregation.MEAN.aggregate(rows, 1)[0];
            Arrays.fill(out, mean);
        } else {
            for (int h = 0; h < heads.length; h++) out[h] = gqa.aggregate(group(rows, cache, layer, h), 1)[0];
        }
        return out;
    }

    @Override int[] choose(int layer, int kvHead, HeadCache head, int max, float[] score) {
        int n = head.size();
        return keepBest(score, n, 0, n - 1, max - 1);
    }
}
