package dev.kvasir.core.press;

/** Random eviction (kvpress RandomPress): a baseline; scores are seeded per (seed, layer, KV head). */
final class RandomPress {
    private RandomPress() {}

    static Press create(Options o) {
        long seed = o.seed("seed", 0);
        int window = o.integer("window", 0, 0, Integer.MAX_VALUE);
        int sinks = o.integer("sinks", 0, 0, Integer.MAX_VALUE);
        return new ScoredPress("random", o.done(), TokenScorer.random(), Protection.of(sinks, window), BudgetAllocator.uniform(),
                OverflowPolicy.DROP, GqaAggregation.MEAN, seed, null);
    }
}
