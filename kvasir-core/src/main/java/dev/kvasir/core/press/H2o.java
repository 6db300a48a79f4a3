package dev.kvasir.core.press;

/**
 * H2O, "Heavy-Hitter Oracle" (Zhang et al., NeurIPS 2023). Heavy-hitter score per KV head
 * <pre>  a_j = Σ_{queries i} A[i, j]          (score=raw, the paper; GQA mean)
 *   a_j = Σ_i A[i, j] / (T − j)           (score=normalised, kvpress ObservedAttention)  </pre>
 * Keep the recent_size = round(share·C) most recent tokens ({@code recent}, share 0.5: the
 * paper's 10 % heavy + 10 % recent) and the top hh_size = C − recent_size older tokens by a
 * ({@code window=N} fixes the recent part instead, e.g. KVCache-Factory's 8). During decode the
 * scores keep accumulating and the cache is cut back to C every step ({@link H2oDecode}).
 */
final class H2o {
    private H2o() {}

    static Press create(Options o) {
        boolean normalised = o.choice("score", "raw", "raw", "normalised").equals("normalised");
        double share = o.real("recent", 0.5, 0, false, 1, false);
        int window = o.has("window") ? o.integer("window", 0, 0, Integer.MAX_VALUE) : -1;
        int sinks = o.integer("sinks", 0, 0, Integer.MAX_VALUE);
        GqaAggregation gqa = GqaAggregation.parse(o);
        int max = DecodeEviction.parseMaxTokens(o);
        int interval = DecodeEviction.parseInterval(o);
        Protection protection = window >= 0 ? Protection.of(sinks, window) : Protection.shareOfBudget(sinks, share);
        return new ScoredPress("h2o", o.done(), TokenScorer.accumulated(normalised), protection, BudgetAllocator.uniform(),
                OverflowPolicy.DROP, gqa, 0, new H2oDecode(max, interval, share, gqa));
    }
}
