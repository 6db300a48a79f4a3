package dev.kvasir.core.press;

/**
 * TOVA, "Transformers are Multi-State RNNs" (Oren et al. 2024): keep the tokens with the highest
 * attention from the current (last) query, averaged over all heads of the layer
 * <pre>  s_j = (1/H_q) Σ_q A_q[T−1, j]  </pre>
 * (one shared set per layer; {@code shared=false}: per KV head with the GQA rule). The last token
 * is protected (kvpress). During decode the same rule runs on each new query ({@link TovaDecode}).
 */
final class Tova {
    private Tova() {}

    static Press create(Options o) {
        int window = o.integer("window", 1, 0, Integer.MAX_VALUE);
        boolean shared = o.flag("shared", true);
        GqaAggregation gqa = GqaAggregation.parse(o);
        int max = DecodeEviction.parseMaxTokens(o);
        int interval = DecodeEviction.parseInterval(o);
        return new ScoredPress("tova", o.done(), TokenScorer.lastQuery(shared), Protection.of(0, window), BudgetAllocator.uniform(),
                OverflowPolicy.DROP, gqa, 0, new TovaDecode(max, interval, shared, gqa));
    }
}
