package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;

/**
 * How many slots each head of a cache holds, per layer, and what fraction of a prompt of
 * {@code tokens} tokens that is (per layer and overall): the counts a {@link CompressionReport}
 * is made of, whether a press just ran or a reused conversation is being described.
 *
 * @param perHead  slots held, [layer][KV head]
 * @param perLayer slots held per layer, summed over its heads
 * @param ratios   per layer, the slots held over {@code tokens} per head (1 for an empty prompt)
 * @param kept     slots held in all
 * @param achieved the slots held over {@code tokens} per head of every layer (1 for an empty prompt)
 */
public record CacheOccupancy(int[][] perHead, int[] perLayer, double[] ratios, long kept, double achieved) {

    public static CacheOccupancy of(KvCache cache, int tokens) {
        int layers = cache.layers(), heads = cache.kvHeads();
        int[][] perHead = new int[layers][heads];
        int[] perLayer = new int[layers];
        double[] ratios = new double[layers];
        long kept = 0;
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                perHead[l][h] = cache.head(l, h).size();
                perLayer[l] += perHead[l][h];
            }
            kept += perLayer[l];
            ratios[l] = tokens == 0 ? 1 : (double) perLayer[l] / ((double) tokens * heads);
        }
        double achieved = tokens == 0 ? 1 : (double) kept / ((double) tokens * layers * heads);
        return new CacheOccupancy(perHead, perLayer, ratios, kept, achieved);
    }
}
