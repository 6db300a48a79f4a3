package dev.kvasir.core.press;

/**
 * CaM, "Cache Merging for Memory-efficient LLMs Inference" (Zhang et al., ICML 2024). Tokens
 * about to be evicted are not simply dropped: each one's value is merged into the values of the
 * tokens kept after it, with a probability given by its attention relative to theirs:
 * <pre>
 *   p_e = clamp(Ā_e / ref(Ā_targets), 0, 1),   M_e ~ Bernoulli(p_e),   V_t ← V_t + M_e · V_e / m
 * </pre>
 * keys untouched. Default, the official code's real cache (zyxxmu/cam
 * {@code StartRecentKVCache_cam}, {@code slicev}) applied to the prompt at prefill: keep the first
 * {@code start} = 4 tokens and the most recent C − 4 (StreamingLLM's eviction); as the window
 * slides over the prompt the token leaving it is merged into the next m = 16 tokens, ref = their
 * mean ({@link CamWindowMerge}). Where this departs from the official code: Ā is the attention
 * accumulated over all prompt queries (the official cache accumulates it while the token is
 * cached, under the start + recent mask); the Bernoulli draws are seeded per (layer, KV head) and
 * GQA groups share one draw on the group-mean Ā (the official code is per attention head).
 * The official lm-eval simulation ({@code local_cam_mask}: m = recent window, ref = max over the
 * start and recent tokens) is not reproduced; {@code reference=max} takes the max over the targets.
 *
 * <p>{@code eviction=h2o}: kvpress's {@code CAMPress} formulation at prefill, H2O's selection
 * (accumulated attention, recent share 0.5), every evicted token merged into the next m = 32
 * <em>kept</em> slots, no cascade ({@link CamMerge}). Applied in one shot to a long prompt at a
 * low budget this variant makes every kept value absorb about one evicted value, which shifts the
 * attention outputs enough for the model to loop ("B B B ..."), while H2O with the same eviction
 * and no merge answers coherently; the merge itself matches an independent numpy implementation
 * on the same cache. {@code scripts/CamMergeStats.java} and {@code tools/reference/check_cam_dump.py}
 * measure it. kvpress merges at decode time, a few hundred tokens per compression.
 */
final class Cam {
    private Cam() {}

    static Press create(Options o) {
        boolean h2o = o.choice("eviction", "start-recent", "start-recent", "h2o").equals("h2o");
        Protection protection = h2o ? Protection.shareOfBudget(0, o.real("recent", 0.5, 0, false, 1, false))
                : Protection.of(o.integer("start", 4, 0, Integer.MAX_VALUE), 0);
        int m = o.integer("merge-budget", h2o ? 32 : 16, 1, Integer.MAX_VALUE);
        boolean max = o.choice("reference", "mean", "mean", "max").equals("max");
        long seed = o.seed("seed", 0);
        GqaAggregation gqa = GqaAggregation.parse(o);
        TokenScorer scorer = h2o ? TokenScorer.accumulated(false) : TokenScorer.recency();
        OverflowPolicy merge = h2o ? new CamMerge(m, max) : new CamWindowMerge(m, max);
        return new ScoredPress("cam", o.done(), scorer, protection, BudgetAllocator.uniform(), merge, gqa, seed, null);
    }
}
