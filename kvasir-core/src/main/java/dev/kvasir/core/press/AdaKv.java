package dev.kvasir.core.press;

/**
 * AdaKV, "Optimizing KV Cache Eviction by Adaptive Budget Allocation" (Feng et al., arXiv
 * 2407.11550): a layer's budget H·B is divided between its KV heads by a cross-head top-k of the
 * scores with a per-head floor α·B ({@link HeadAdaptiveBudget}):
 * <pre>  budget_h = ⌊α·B⌋ + |top-(H·B − H·⌊α·B⌋) of the remaining (head, token) scores ∩ head h|  </pre>
 * Works with any scorer ({@code scorer=snapkv} default, i.e. Ada-SnapKV: w = 32, k = 7, max-pool;
 * or h2o, tova, knorm, random) and any layer division ({@code layers=uniform|pyramid}).
 * Heads really get different lengths: memory is freed, not masked as in kvpress.
 */
final class AdaKv {
    private AdaKv() {}

    static Press create(Options o) {
        TokenScorer scorer = Parts.namedScorer(o, "snapkv");
        int window = scorer instanceof WindowAttention wa ? wa.window() : o.integer("window", 32, 0, Integer.MAX_VALUE);
        double alpha = o.real("alpha", 0.2, 0, false, 1, false);
        boolean normalize = o.flag("normalize", false);
        BudgetAllocator layers = o.choice("layers", "uniform", "uniform", "pyramid").equals("pyramid")
                ? new PyramidBudget(o.real("beta", 20, 1, false, 1e9, false), false) : BudgetAllocator.uniform();
        long seed = scorer instanceof RandomScore ? o.seed("seed", 0) : 0;
        GqaAggregation gqa = GqaAggregation.parse(o);
        return new ScoredPress("adakv", o.done(), scorer, Protection.of(0, window), new HeadAdaptiveBudget(layers, alpha, normalize),
                OverflowPolicy.DROP, gqa, seed, null);
    }
}
