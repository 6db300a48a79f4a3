package dev.kvasir.core.press;

/**
 * CaM, "Cache Merging for Memory-efficient LLMs Inference" (Zhang et al., ICML 2024), at prefill:
 * H2O's selection (accumulated attention, recent share 0.5), then every evicted token's value is
 * merged into the next m kept slots with probability p_e = clamp(Ā_e / mean Ā_targets, 0, 1)
 * ({@link CamMerge}; kvpress formulation, m = 32, seeded Bernoulli; {@code reference=max} for the
 * lm-eval code's reference).
 */
final class Cam {
    private Cam() {}

    static Press create(Options o) {
        double share = o.real("recent", 0.5, 0, false, 1, false);
        int m = o.integer("merge-budget", 32, 1, Integer.MAX_VALUE);
        boolean max = o.choice("reference", "mean", "mean", "max").equals("max");
        long seed = o.seed("seed", 0);
        GqaAggregation gqa = GqaAggregation.parse(o);
        return new ScoredPress("cam", o.done(), TokenScorer.accumulated(false), Protection.shareOfBudget(0, share),
                BudgetAllocator.uniform(), new CamMerge(m, max), gqa, seed, null);
    }
}
