package dev.kvasir.core.press;

/**
 * DynamicKV, "Task-Aware Adaptive KV Cache Compression for Long Context LLMs" (Zhou et al., arXiv
 * 2412.14838; official code {@code DreamMr/DynamicKV}). Score (paper):
 * <pre>  A_{ℓ,h} = pool( (1/w) Σ_{i ∈ window} Attn(q_i, K) ),  A'_ℓ = TopK(A_ℓ, b_s)  </pre>
 * with layer budgets re-divided every m = 4 layers from a global top-k over all processed layers
 * ({@link DynamicKvBudget}, r_max = 10, quirks Q2–Q5). Defaults as the official Llama-3 scripts:
 * w = 8, k = 7, avg-pool. One selection per KV head (GQA mean) instead of the official per-query-head
 * repeat (Q6), position order instead of score order (Q7, harmless with post-RoPE keys).
 */
final class DynamicKv {
    private DynamicKv() {}

    static Press create(Options o) {
        WindowAttention scorer = Parts.windowScorer(o, 8, 7, Pooling.AVG);
        DynamicKvBudget budget = Parts.dynamicKvBudget(o, scorer.window());
        GqaAggregation gqa = GqaAggregation.parse(o);
        return new ScoredPress("dynamickv", o.done(), scorer, Protection.of(0, scorer.window()), budget, OverflowPolicy.DROP, gqa, 0, null);
    }
}
