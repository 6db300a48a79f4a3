package dev.kvasir.core.press;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdaKV's head-adaptive division (Feng et al., arXiv 2407.11550; {@code AdaptiveSnapKVCluster},
 * kvpress {@code AdaKVPress}), usable on top of any layer division and any scorer. For a layer
 * whose inner allocation gives B selectable slots per head on average (H·B in total):
 * <ol>
 *   <li>every head keeps its own top ⌊α·B⌋ (the safeguard floor, α = 0.2);</li>
 *   <li>the remaining H·B − H·⌊α·B⌋ slots go to the best remaining (head, token) entries of the
 *       layer, compared across heads;</li>
 *   <li>budget_h = ⌊α·B⌋ + (entries of head h chosen in 2) ≈ α·B + (1 − α)·n_h.</li>
 * </ol>
 * The layer total is exactly H·B. Option {@code normalize} (KVCache-Factory's adaptation) scales
 * each head's scores by (its top-B mass / its total mass) before the cross-head comparison.
 */
record HeadAdaptiveBudget(BudgetAllocator layers, double alpha, boolean normalize) implements BudgetAllocator {

    HeadAdaptiveBudget {
        if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("AdaKV alpha must be in [0, 1], got " + alpha);
    }

    @Override public Allocation allocate(Context c) {
        int[][] inner = layers.allocate(c).keep();
        int hN = c.kvHeads(), n = c.selectable();
        int[][] keep = new int[c.layers()][hN];
        for (int l = 0; l < c.layers(); l++) {
            long total = 0;
            for (int k : inner[l]) total += k;
            int b = (int) (total / hN);
            int floor = Math.min(n, (int) Math.floor(alpha * b));
            HeadScores[] hs = c.scores()[l];
            double[] scale = new double[hN];
            int[] next = new int[hN]; // position in each head's descending order
            for (int h = 0; h < hN; h++) {
                keep[l][h] = floor;
                next[h] = floor;
                scale[h] = 1;
                if (normalize) {
                    double all = Ranking.topSum(hs[h].values, hs[h].order(), n);
                    scale[h] = all > 0 ? Ranking.topSum(hs[h].values, hs[h].order(), b) / all : 1;
                }
            }
            long rest = total - (long) hN * floor;
            // H-way merge of the heads' sorted lists (H is small): pick the best remaining entry
            for (long i = 0; i < rest; i++) {
                int best = -1;
                double bestV = Double.NEGATIVE_INFINITY;
                for (int h = 0; h < hN; h++) {
                    if (next[h] >= n) continue;
                    double v = hs[h].values[hs[h].order()[next[h]]] * scale[h];
                    if (best < 0 || v > bestV) { best = h; bestV = v; }
                }
                if (best < 0) break;
                next[best]++;
                keep[l][best]++;
            }
        }
        return Allocation.of(keep);
    }
}
