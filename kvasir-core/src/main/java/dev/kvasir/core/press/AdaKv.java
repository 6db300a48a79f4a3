package dev.kvasir.core.press;

/**
 * AdaKV, "Optimizing KV Cache Eviction by Adaptive Budget Allocation" (Feng et al., arXiv
 * 2407.11550): a layer's budget H·B is divided between its KV heads by a top-k over the layer's
 * flattened (head, token) scores, with a per-head floor α·B ({@link HeadAdaptiveBudget}). The
 * default follows the official code (FFY0/AdaKV {@code AdaptiveSnapKVCluster} with
 * {@code --gqa_support}, as KVCache-Factory's {@code AdaKVCluster}):
 * <pre>
 *   s_h = maxpool_k( mean_{q ∈ group h} mean_{i ∈ last w queries} A_q[i, ·] )     (w = 32, k = 7)
 *   n_h = |top-(H·B) of the flattened s ∩ head h|
 *   budget_h = round(n_h·(1 − α) + ⌊α·B⌋)                                        (α = 0.2)
 * </pre>
 * Options that depart from it, each shown in the label: {@code allocation=kvpress} (kvpress's
 * {@code AdaKVPress}: each head's top ⌊α·B⌋ first, then the best H·B − H·⌊α·B⌋ of the rest
 * across heads), {@code normalize=true} (KVCache-Factory's default: each head's scores scaled by
 * its top-B share), {@code gqa-first=false} (pool each query head before the GQA mean, as kvpress),
 * {@code scorer=h2o|tova|knorm|random}, {@code layers=pyramid}. A prompt no longer than the
 * budget is left alone (the official code skips compression when B > T − w, i.e. C > T; at C = T
 * it would keep everything too). Heads really get different lengths: memory is freed, not masked
 * as in kvpress.
 */
final class AdaKv {
    private AdaKv() {}

    static Press create(Options o) {
        TokenScorer scorer = Parts.namedScorer(o, "snapkv");
        if (scorer instanceof WindowAttention wa) {
            scorer = new WindowAttention(wa.window(), wa.kernel(), wa.pooling(), o.flag("gqa-first", true));
        }
        int window = scorer instanceof WindowAttention wa ? wa.window() : o.integer("window", 32, 0, Integer.MAX_VALUE);
        double alpha = o.real("alpha", 0.2, 0, false, 1, false);
        boolean normalize = o.flag("normalize", false);
        HeadAdaptiveBudget.Rule rule = o.choice("allocation", "official", "official", "kvpress").equals("official")
                ? HeadAdaptiveBudget.Rule.OFFICIAL : HeadAdaptiveBudget.Rule.KVPRESS;
        BudgetAllocator layers = o.choice("layers", "uniform", "uniform", "pyramid").equals("pyramid")
                ? new PyramidBudget(o.real("beta", 20, 1, false, 1e9, false), false) : BudgetAllocator.uniform();
        long seed = scorer instanceof RandomScore ? o.seed("seed", 0) : 0;
        GqaAggregation gqa = GqaAggregation.parse(o);
        return new ScoredPress("adakv", o.done(), scorer, Protection.of(0, window), new HeadAdaptiveBudget(layers, alpha, normalize, rule),
                OverflowPolicy.DROP, gqa, seed, null);
    }
}
