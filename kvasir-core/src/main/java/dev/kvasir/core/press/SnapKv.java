package dev.kvasir.core.press;

/**
 * SnapKV, "LLM Knows What You are Looking for Before Generation" (Li et al., NeurIPS 2024).
 * Per query head, the last w prompt queries vote:
 * <pre>  v_j = (1/w) Σ_{i = T−w}^{T−1} A[i, j]   (j &lt; T − w)
 *   ŝ  = pool1d(v, k, stride 1, pad ⌊k/2⌋)   (max or avg)
 *   keep top-(C − w) of ŝ (GQA mean per KV head) ∪ the w window tokens  </pre>
 * Defaults are the paper's LongBench setting w = 32, k = 7, max-pool (kvpress: 64/5/avg;
 * KVCache-Factory LongBench: 8/7/max).
 */
final class SnapKv {
    private SnapKv() {}

    static Press create(Options o) {
        WindowAttention scorer = Parts.windowScorer(o, 32, 7, Pooling.MAX);
        int sinks = o.integer("sinks", 0, 0, Integer.MAX_VALUE);
        GqaAggregation gqa = GqaAggregation.parse(o);
        return new ScoredPress("snapkv", o.done(), scorer, Protection.of(sinks, scorer.window()), BudgetAllocator.uniform(),
                OverflowPolicy.DROP, gqa, 0, null);
    }
}
