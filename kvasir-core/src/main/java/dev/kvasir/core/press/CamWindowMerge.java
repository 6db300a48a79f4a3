package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;

import java.util.SplittableRandom;

/**
 * CaM's merge as the official real cache does it (zyxxmu/cam {@code StartRecentKVCache_cam},
 * {@code slicev}), replayed over the prompt: the window slides one token at a time, and the token
 * e leaving it is merged, with its value as it is by then, into the next m tokens:
 * <pre>
 *   L   = min(m, r)                               r = recent window (T − 1 − last evicted slot)
 *   p_e = clamp(Ā_e / mean(Ā_{e+1 .. e+L}), 0, 1)   (ref = max(...) with {@code reference=max}; 0/0 → 0)
 *   M_e ~ Bernoulli(p_e)                           (one draw per evicted token, in position order,
 *                                                   from the (seed, layer, KV head) stream)
 *   V_t ← V_t + M_e · V_e / m     for t = e+1 .. e+L
 * </pre>
 * Evicted tokens are processed in position order, so a target that is itself evicted later carries
 * what it received onward (the official cache does the same: the merged values ride the window).
 * Keys are never touched. Ā is the accumulated attention of the prompt queries (GQA-reduced);
 * the official cache accumulates the attention each token received while it was cached.
 * The division is by m even when L < m, as the official code divides by {@code merge_num}.
 */
record CamWindowMerge(int mergeBudget, boolean maxReference) implements OverflowPolicy {

    CamWindowMerge {
        if (mergeBudget < 1) throw new IllegalArgumentException("CaM merge budget must be >= 1, got " + mergeBudget);
    }

    @Override public StatsRequest statsRequest() { return new StatsRequest(true, 0); }

    @Override public String label() { return "cam-window(m=" + mergeBudget + ",ref=" + (maxReference ? "max" : "mean") + ")"; }

    @Override public int resolve(HeadContext ctx, boolean[] kept) {
        HeadCache head = ctx.head();
        int t = head.size(), d = head.headDim();
        int first = -1, last = -1;
        for (int j = 0; j < t; j++) {
            if (!kept[j]) {
                if (first < 0) first = j;
                last = j;
            }
        }
        if (first < 0) return 0;
        int span = Math.min(mergeBudget, t - 1 - last); // L: targets per evicted token
        if (span == 0) return 0;
        float[] a = ctx.accumulatedAttention("cam");
        double[] prefix = new double[t + 1];
        for (int j = 0; j < t; j++) prefix[j + 1] = prefix[j] + a[j];
        SplittableRandom rnd = Seeds.stream(ctx.seed(), ctx.layer(), ctx.kvHead());
        // ring[e % L] = M_e·V'_e of the last L positions (zero when not evicted or not merged); sum = their total
        double[] ring = new double[span * d];
        double[] sum = new double[d];
        float[] v = new float[d], k = new float[d];
        double inv = 1.0 / mergeBudget;
        int merged = 0;
        for (int j = first; j < t; j++) {
            int r = (j % span) * d;
            boolean touched = j > first;
            if (touched) {
                head.values().get(j, v, 0);
                for (int x = 0; x < d; x++) v[x] = (float) (v[x] + sum[x] * inv);
            }
            // position j leaves the ring window of the targets that follow
            for (int x = 0; x < d; x++) sum[x] -= ring[r + x];
            java.util.Arrays.fill(ring, r, r + d, 0);
            if (!kept[j]) {
                int targets = Math.min(span, t - 1 - j);
                double ref = targets == 0 ? 0 : maxReference ? max(a, j + 1, j + 1 + targets) : (prefix[j + 1 + targets] - prefix[j + 1]) / targets;
                double p = a[j] / ref;
                p = Double.isNaN(p) ? 0 : Math.max(0, Math.min(1, p));
                if (rnd.nextDouble() < p) {
                    if (!touched) head.values().get(j, v, 0);
                    for (int x = 0; x < d; x++) {
                        ring[r + x] = v[x];
                        sum[x] += v[x];
                    }
                    merged++;
                }
            } else if (touched) {
                head.keys().get(j, k, 0);
                head.set(j, k, 0, v, 0);
            }
        }
        return merged;
    }

    private static double max(float[] a, int from, int to) {
        double m = Double.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) m = Math.max(m, a[i]);
        return m;
    }
}
