package dev.kvasir.core.press;

/**
 * DynamicKV + merging (our design): DynamicKV's layer budgets and selection ({@link DynamicKv}),
 * but the tokens that do not fit are merged instead of dropped ({@link NeighbourMerge}): each
 * evicted token e joins the more key-similar of its two nearest kept neighbours t (before/after e)
 * if cos(k_e, k_t) &gt; ε (0.75, KVMerger's threshold), else it is dropped; each kept t then
 * absorbs its set S with KVMerger's Gaussian kernel centred on k_t:
 * <pre>  w_i ∝ exp(−‖k_t − k_i‖²/(2σ²)),  k* = Σ w_i k_i,  v* = Σ w_i v_i,  mass_t = |S|  </pre>
 * Mass-aware by default (the kernel adds log|S| to the merged slot's logit); {@code mass=false}
 * uses KVMerger's value rule v* = |S|·Σ w_i v_i (or {@code value-rule=average}).
 */
final class DynamicKvMerge {
    private DynamicKvMerge() {}

    static Press create(Options o) {
        WindowAttention scorer = Parts.windowScorer(o, 8, 7, Pooling.AVG);
        DynamicKvBudget budget = Parts.dynamicKvBudget(o, scorer.window());
        double eps = o.real("eps", 0.75, -1, false, 1, false);
        KernelMerge kernel = Parts.kernelMerge(o, true);
        GqaAggregation gqa = GqaAggregation.parse(o);
        return new ScoredPress("dynamickv-merge", o.done(), scorer, Protection.of(0, scorer.window()), budget,
                new NeighbourMerge(eps, kernel), gqa, 0, null);
    }
}
