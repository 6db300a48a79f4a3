package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;

import java.util.SplittableRandom;

/**
 * CaM's value merging (Zhang et al., ICML 2024), in kvpress's formulation (methods.md §3 [choice]):
 * only evicted tokens are merged, only their <em>values</em>, keys are never touched. For each
 * evicted token e (in position order), with targets = the next m kept slots after e:
 * <pre>
 *   p_e = clamp(Ā_e / ref(Ā_targets), 0, 1)      ref = mean (default) or max (lm-eval code)
 *   M_e ~ Bernoulli(p_e)                         (seeded per (seed, layer, KV head))
 *   V_t ← V_t + M_e · V_e / |targets|   for every target t
 * </pre>
 * Ā is the accumulated attention of the prompt queries (GQA-reduced). m = merge budget (kvpress
 * 32; 16 in the official streaming cache). When fewer than m kept slots follow e the spread is
 * over those that exist (a 0/0 probability counts as 0, as the official code's NaN → 0).
 */
record CamMerge(int mergeBudget, boolean maxReference) implements OverflowPolicy {

    CamMerge {
        if (mergeBudget < 1) throw new IllegalArgumentException("CaM merge budget must be >= 1, got " + mergeBudget);
    }

    @Override public StatsRequest statsRequest() { return new StatsRequest(true, 0); }

    @Override public String label() { return "cam(m=" + mergeBudget + ",ref=" + (maxReference ? "max" : "mean") + ")"; }

    @Override public int resolve(HeadContext ctx, boolean[] kept) {
        HeadCache head = ctx.head();
        int t = head.size(), d = head.headDim();
        int[] keptIdx = Selection.indices(kept);
        int nk = keptIdx.length;
        if (nk == t || nk == 0) return 0;
        float[] a = ctx.accumulatedAttention("cam");
        // the targets of e are kept-list entries [i, i + cnt) with i = first kept after e: reference
        // statistics per i from prefix sums (mean) or a sliding-window maximum, both O(kept)
        double[] prefix = new double[nk + 1];
        for (int i = 0; i < nk; i++) prefix[i + 1] = prefix[i] + a[keptIdx[i]];
        float[] windowMax = maxReference ? slidingMax(a, keptIdx, mergeBudget) : null;
        // merged values are spread with a difference array over the kept list: O((T + kept)·d)
        double[] diff = new double[(nk + 1) * d];
        int[] active = new int[nk + 1];
        float[] v = new float[d];
        SplittableRandom rnd = Seeds.stream(ctx.seed(), ctx.layer(), ctx.kvHead());
        int merged = 0, next = 0;
        for (int e = 0; e < t; e++) {
            if (kept[e]) { next++; continue; }
            int cnt = Math.min(mergeBudget, nk - next);
            if (cnt == 0) continue;
            double ref = maxReference ? windowMax[next] : (prefix[next + cnt] - prefix[next]) / cnt;
            double p = a[e] / ref;
            p = Double.isNaN(p) ? 0 : Math.max(0, Math.min(1, p));
            if (rnd.nextDouble() < p) {
                merged++;
                head.values().get(e, v, 0);
                double share = 1.0 / cnt;
                for (int x = 0; x < d; x++) {
                    diff[next * d + x] += share * v[x];
                    diff[(next + cnt) * d + x] -= share * v[x];
                }
                active[next]++;
                active[next + cnt]--;
            }
        }
        if (merged == 0) return 0;
        double[] acc = new double[d];
        float[] k = new float[d];
        int covering = 0;
        for (int i = 0; i < nk; i++) {
            for (int x = 0; x < d; x++) acc[x] += diff[i * d + x];
            covering += active[i];
            if (covering == 0) continue;
            int slot = keptIdx[i];
            head.values().get(slot, v, 0);
            for (int x = 0; x < d; x++) v[x] = (float) (v[x] + acc[x]);
            head.keys().get(slot, k, 0);
            head.set(slot, k, 0, v, 0);
        }
        return merged;
    }

    /** max of a over kept-list windows [i, min(i + m, n)) for every i (van Herk / Gil-Werman blocks). */
    static float[] slidingMax(float[] a, int[] keptIdx, int m) {
        int n = keptIdx.length;
        float[] pre = new float[n], suf = new float[n], out = new float[n];
        for (int i = 0; i < n; i++) pre[i] = i % m == 0 ? a[keptIdx[i]] : Math.max(pre[i - 1], a[keptIdx[i]]);
        for (int i = n - 1; i >= 0; i--) suf[i] = (i % m == m - 1 || i == n - 1) ? a[keptIdx[i]] : Math.max(suf[i + 1], a[keptIdx[i]]);
        for (int i = 0; i < n; i++) {
            int end = Math.min(i + m, n) - 1;
            out[i] = i / m == end / m ? suf[i] : Math.max(suf[i], pre[end]); // same block, or two blocks
        }
        return out;
    }
}
