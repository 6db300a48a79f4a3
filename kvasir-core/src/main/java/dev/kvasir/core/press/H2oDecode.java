package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * H2O's per-step accumulate-and-evict (Zhang et al., NeurIPS 2023; the real-drop cache
 * {@code H2OKVCache_LayerWise}): every step the new query's attention row is added to each slot's
 * accumulated score (GQA-reduced); when a head exceeds hh_size + recent_size = maxTokens it keeps
 * the last recent_size slots plus the top hh_size older slots by accumulated score, and the
 * evicted tokens' scores are forgotten. recent_size = round(share · maxTokens) (share 0.5: the
 * paper's 10 % + 10 %). Scores are seeded with the prefill column sums of the kept slots.
 */
final class H2oDecode extends DecodeEviction {
    private final double recentShare;
    private final GqaAggregation gqa;
    private float[][][] acc;

    H2oDecode(int maxTokens, int interval, double recentShare, GqaAggregation gqa) {
        super(maxTokens, interval);
        this.recentShare = recentShare;
        this.gqa = gqa;
    }

    @Override StatsRequest prefillStats() { return new StatsRequest(true, 0); }

    @Override boolean observesEveryStep() { return true; }

    private void ensureState(int layers, int kvHeads) {
        if (acc == null || acc.length != layers || acc[0].length != kvHeads) acc = new float[layers][kvHeads][];
    }

    @Override void afterPrefill(HeadContext ctx, int[] kept) {
        float[] a = ctx.accumulatedAttention("h2o decode");
        float[] s = new float[kept.length];
        for (int i = 0; i < kept.length; i++) s[i] = a[kept[i]];
        ensureState(ctx.layers(), ctx.stats().kvHeads());
        acc[ctx.layer()][ctx.kvHead()] = s;
    }

    @Override void observe(int layer, int kvHead, HeadCache head, float[][] groupRows) {
        float[] a = acc[layer][kvHead];
        int n = head.size();
        if (a == null || a.length > n) a = new float[n]; // cache changed under us: start afresh
        else if (a.length < n) a = Arrays.copyOf(a, n);
        float[] row = gqa.aggregate(groupRows, 1)[0];
        for (int j = 0; j < n; j++) a[j] += row[j];
        acc[layer][kvHead] = a;
    }

    @Override public void afterDecodeStep(KvCache cache, IntFunction<float[][]> rows) {
        ensureState(cache.layers(), cache.kvHeads());
        super.afterDecodeStep(cache, rows);
    }

    @Override int[] choose(int layer, int kvHead, HeadCache head, int max, float[] ignored) {
        int n = head.size();
        int recent = Math.min(max, Math.max(1, (int) Math.round(recentShare * max))); // the newest token always stays
        return keepBest(acc[layer][kvHead], n, 0, n - recent, max - recent);
    }

    @Override void retained(int layer, int kvHead, int[] kept) {
        float[] a = acc[layer][kvHead];
        float[] s = new float[kept.length];
        for (int i = 0; i < kept.length; i++) s[i] = a[kept[i]];
        acc[layer][kvHead] = s;
    }

    @Override void clearState() { acc = null; }
}
