package dev.kvasir.core.press;

/**
 * PyramidKV, "Dynamic KV Cache Compression based on Pyramidal Information Funneling" (Cai et al.,
 * arXiv 2406.02069). SnapKV's selection with per-layer budgets b_ℓ in an arithmetic progression,
 * largest at the bottom, mean C − w ({@link PyramidBudget}):
 * <pre>  b_min = ⌊(C−w)/β⌋, b_max = 2(C−w) − b_min, b_ℓ = b_max − ℓ·⌊(b_max − b_min)/(L−1)⌋  </pre>
 * with KVCache-Factory's special cases. Defaults as KVCache-Factory's LongBench runs: w = 8,
 * k = 7, max-pool, β = 20, except the step: by default the exact line (mean C − w, the budget
 * met); {@code step=integer} is KVCache-Factory's floored step, which keeps more than asked
 * (0.62 of a 65-token prompt at budget 0.5 with 30 layers, see {@link PyramidBudget}).
 */
final class PyramidKv {
    private PyramidKv() {}

    static Press create(Options o) {
        WindowAttention scorer = Parts.windowScorer(o, 8, 7, Pooling.MAX);
        double beta = o.real("beta", 20, 1, false, 1e9, false);
        boolean exact = o.choice("step", "exact", "exact", "integer").equals("exact");
        GqaAggregation gqa = GqaAggregation.parse(o);
        return new ScoredPress("pyramidkv", o.done(), scorer, Protection.of(0, scorer.window()), new PyramidBudget(beta, exact),
                OverflowPolicy.DROP, gqa, 0, null);
    }
}
