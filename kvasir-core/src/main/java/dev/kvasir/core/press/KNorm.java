package dev.kvasir.core.press;

/**
 * KNorm, "A Simple and Effective L2 Norm-Based Strategy for KV Cache Compression" (Devoto et al.
 * 2024): keep the keys of smallest norm, s_j = −‖k_j‖₂. No attention needed.
 */
final class KNorm {
    private KNorm() {}

    static Press create(Options o) {
        int window = o.integer("window", 0, 0, Integer.MAX_VALUE);
        int sinks = o.integer("sinks", 0, 0, Integer.MAX_VALUE);
        return new ScoredPress("knorm", o.done(), TokenScorer.keyNorm(), Protection.of(sinks, window), BudgetAllocator.uniform(),
                OverflowPolicy.DROP, GqaAggregation.MEAN, 0, null);
    }
}
