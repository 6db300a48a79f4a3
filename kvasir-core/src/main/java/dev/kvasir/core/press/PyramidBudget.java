package dev.kvasir.core.press;

import java.util.Arrays;
import java.util.Map;

/**
 * PyramidKV's per-layer budgets (Cai et al., arXiv 2406.02069; KVCache-Factory
 * {@code PyramidKVCluster}): an arithmetic progression from the bottom layer (largest) to the
 * top layer (smallest) with the same mean as uniform. With avg = C − w (w = protected slots):
 * <pre>
 *   b_min = ⌊avg/β⌋,  b_max = 2·avg − b_min
 *   if b_max ≥ T − w:  b_max = T − w,  b_min = 2·avg − b_max
 *   step  = (b_max − b_min)/(L − 1),  b_ℓ = b_max − ℓ·step      (keep b_ℓ + w)
 * </pre>
 * KVCache-Factory special case: T &lt; 2·avg → plain uniform.
 *
 * <p>The step. KVCache-Factory floors it ({@code (max_num − min_num) // (num_hidden_layers − 1)}),
 * so the line starts at b_max but falls too slowly: every b_ℓ lies above the exact line and Σ b_ℓ
 * exceeds L·avg by up to (L−1)/2 slots per layer on average. That is negligible at long prompts
 * but not at short ones: T = 65, C = 32 (budget 0.5), w = 8, L = 30 gives avg = 24, b_max = 47,
 * b_min = 1, step ⌊46/29⌋ = 1 instead of 1.59, b_ℓ = 47 − ℓ (mean 32.5) and 0.62 of the cache
 * kept. By default ({@code step=exact}) the exact line is used, rounded by largest remainders so
 * that Σ b_ℓ = L·avg: the budget is met exactly. {@code step=integer} is KVCache-Factory's code
 * (faithful, over budget).
 */
record PyramidBudget(double beta, boolean exactStep) implements BudgetAllocator {

    PyramidBudget {
        if (!(beta >= 1)) throw new IllegalArgumentException("PyramidKV beta must be >= 1, got " + beta);
    }

    @Override public Allocation allocate(Context c) {
        int[] perLayer = layerBudgets(c.layers(), c.base(), c.selectable(), c.tokens());
        int[][] keep = new int[c.layers()][c.kvHeads()];
        for (int l = 0; l < keep.length; l++) Arrays.fill(keep[l], perLayer[l]);
        return Allocation.of(keep);
    }

    /** b_ℓ for every layer, given avg = C − w, the selectable count T − w and T. */
    int[] layerBudgets(int layers, int avg, int selectable, int tokens) {
        int[] b = new int[layers];
        if (layers == 1 || tokens < 2 * avg) {
            Arrays.fill(b, avg);
            return b;
        }
        long min = (long) Math.floor(avg / beta);
        long max = 2L * avg - min;
        if (max >= selectable) {
            max = selectable;
            min = 2L * avg - max;
        }
        if (!exactStep) {
            long step = (max - min) / (layers - 1);
            for (int l = 0; l < layers; l++) b[l] = (int) (max - l * step);
            return b;
        }
        double[] ideal = new double[layers];
        long sum = 0;
        for (int l = 0; l < layers; l++) {
            ideal[l] = max - l * (double) (max - min) / (layers - 1);
            b[l] = (int) Math.floor(ideal[l] + 1e-9);
            sum += b[l];
        }
        long rest = (long) layers * avg - sum;
        Integer[] byFraction = new Integer[layers]; // L is small: boxing outside the token loops is fine
        for (int l = 0; l < layers; l++) byFraction[l] = l;
        Arrays.sort(byFraction, (x, y) -> Double.compare(ideal[y] - b[y], ideal[x] - b[x]));
        for (int i = 0; i < rest && i < layers; i++) b[byFraction[i]]++;
        return b;
    }
}
