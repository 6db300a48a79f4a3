package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Measures a compression (time, bytes, kept slots) and assembles its {@link CompressionReport}. */
final class ReportBuilder {
    private final long start = System.nanoTime();
    private final Press press;
    private final Budget budget;
    private final long bytesBefore;
    private final long allocatedBefore;
    final Map<String, String> details = new LinkedHashMap<>();

    ReportBuilder(Press press, KvCache cache, Budget budget) {
        this.press = press;
        this.budget = budget;
        this.bytesBefore = cache.usedBytes();
        this.allocatedBefore = cache.allocatedBytes();
    }

    ReportBuilder detail(String key, Object value) {
        details.put(key, String.valueOf(value));
        return this;
    }

    CompressionReport finish(KvCache cache, int tokens) {
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
        double ms = (System.nanoTime() - start) / 1e6;
        return new CompressionReport(press.name(), press.options(), budget.describe(), budget.requestedFraction(tokens), achieved,
                tokens, bytesBefore, cache.usedBytes(), allocatedBefore, cache.allocatedBytes(), perLayer, perHead, ratios, ms,
                Collections.unmodifiableMap(new LinkedHashMap<>(details)));
    }
}
