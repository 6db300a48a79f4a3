package dev.kvasir.core.press;

import java.util.Locale;

/**
 * AdaKV's head-adaptive division (Feng et al., arXiv 2407.11550), usable on top of any layer
 * division and any scorer. A layer whose inner allocation gives B selectable slots per head on
 * average (H·B in total) divides them between its H heads by the scores, with a per-head floor:
 * <ul>
 *   <li>{@link Rule#OFFICIAL} (default; FFY0/AdaKV {@code AdaptiveSnapKVCluster}, KVCache-Factory
 *       {@code AdaKVCluster}): n_h = entries of head h among the top-(H·B) of the layer's
 *       flattened (head, token) scores, then
 *       <pre>  budget_h = round(n_h·(1 − α) + ⌊α·B⌋)      (round half to even, as torch.round)  </pre>
 *       Every head keeps at least ⌊α·B⌋; the layer total is H·B(1 − α) + H·⌊α·B⌋ up to rounding,
 *       so slightly under H·B when α·B is not an integer (the official code does the same).</li>
 *   <li>{@link Rule#KVPRESS} (kvpress {@code AdaKVPress}): every head first keeps its own top
 *       ⌊α·B⌋, then the remaining H·B − H·⌊α·B⌋ slots go to the best remaining (head, token)
 *       entries across heads; the layer total is exactly H·B.</li>
 * </ul>
 * Option {@code normalize} (off in the official LongBench scripts, which never pass
 * {@code --normalize}; on by default in KVCache-Factory) scales each head's scores by (its top-B
 * mass / its total mass) before the cross-head comparison. Ties across heads go to the lower head.
 */
record HeadAdaptiveBudget(BudgetAllocator layers, double alpha, boolean normalize, Rule rule) implements BudgetAllocator {

    /** How the floor combines with the cross-head top-k. */
    enum Rule {
        OFFICIAL, KVPRESS;

        String label() { return name().toLowerCase(Locale.ROOT); }
    }

    HeadAdaptiveBudget {
        if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("AdaKV alpha must be in [0, 1], got " + alpha);
    }

    @Override public Allocation allocate(Context c) {
        int[][] inner = layers.allocate(c).keep();
        int hN = c.kvHeads(), n = c.selectable();
        int[][] keep = new int[c.layers()][hN];
        double[] scale = new double[hN];
        int[] next = new int[hN]; // position in each head's descending order
        for (int l = 0; l < c.layers(); l++) {
            long total = 0;
            for (int k : inner[l]) total += k;
            int b = (int) (total / hN);
            int floor = Math.min(n, (int) Math.floor(alpha * b));
            HeadScores[] hs = c.scores()[l];
            for (int h = 0; h < hN; h++) {
                next[h] = 0;
                scale[h] = 1;
                if (normalize) {
                    double all = Ranking.topSum(hs[h].values, hs[h].order(), n);
                    scale[h] = all > 0 ? Ranking.topSum(hs[h].values, hs[h].order(), b) / all : 1;
                }
            }
            if (rule == Rule.OFFICIAL) {
                int[] counts = crossHeadTop(hs, scale, n, next, new int[hN], total);
                float keepShare = (float) (1 - alpha); // float32 arithmetic, as the reference's tensors
                for (int h = 0; h < hN; h++) keep[l][h] = Math.min(n, (int) Math.rint(counts[h] * keepShare + floor));
            } else {
                for (int h = 0; h < hN; h++) {
                    keep[l][h] = floor;
                    next[h] = floor;
                }
                int[] extra = crossHeadTop(hs, scale, n, next, new int[hN], total - (long) hN * floor);
                for (int h = 0; h < hN; h++) keep[l][h] += extra[h];
            }
        }
        return Allocation.of(keep);
    }

    /**
     * Counts, per head, the entries among the best {@code take} (scaled) scores of the layer, each
     * head's list starting at {@code next[h]} of its descending order: an H-way merge of the heads'
     * sorted lists (H is small). Ties go to the lower head.
     */
    private static int[] crossHeadTop(HeadScores[] hs, double[] scale, int n, int[] next, int[] counts, long take) {
        for (long i = 0; i < take; i++) {
            int best = -1;
            double bestV = Double.NEGATIVE_INFINITY;
            for (int h = 0; h < hs.length; h++) {
                if (next[h] >= n) continue;
                double v = hs[h].values[hs[h].order()[next[h]]] * scale[h];
                if (best < 0 || v > bestV) { best = h; bestV = v; }
            }
            if (best < 0) break;
            next[best]++;
            counts[best]++;
        }
        return counts;
    }
}
