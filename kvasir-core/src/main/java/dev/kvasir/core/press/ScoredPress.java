package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;

import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * A press composed of parts: a {@link TokenScorer} scores the unprotected slots of every layer,
 * a {@link BudgetAllocator} divides the budget between layers and KV heads, each head keeps its
 * {@link Protection protected} slots plus its best-scored slots, an {@link OverflowPolicy} decides
 * the fate of the rest (drop or merge), and the head is physically compacted. Optionally a
 * {@link DecodeEviction} continues during generation. Most named methods are one such
 * composition; see {@link Presses}.
 */
public final class ScoredPress implements Press {
    private final String name;
    private final Map<String, String> options;
    private final TokenScorer scorer;
    private final Protection protection;
    private final BudgetAllocator allocator;
    private final OverflowPolicy overflow;
    private final GqaAggregation gqa;
    private final long seed;
    private final DecodeEviction decode;

    ScoredPress(String name, Map<String, String> options, TokenScorer scorer, Protection protection, BudgetAllocator allocator,
                OverflowPolicy overflow, GqaAggregation gqa, long seed, DecodeEviction decode) {
        this.name = name;
        this.options = options;
        this.scorer = scorer;
        this.protection = protection;
        this.allocator = allocator;
        this.overflow = overflow;
        this.gqa = gqa;
        this.seed = seed;
        this.decode = decode;
    }

    @Override public String name() { return name; }

    @Override public Map<String, String> options() { return options; }

    @Override public Optional<DecodePress> decode() { return Optional.ofNullable(decode); }

    @Override public StatsRequest statsRequest(int layers, int queryHeads, int kvHeads, int promptTokens) {
        StatsRequest r = scorer.statsRequest().union(overflow.statsRequest());
        return decode == null ? r : r.union(decode.prefillStats());
    }

    @Override public CompressionReport compress(KvCache cache, IntFunction<AttentionStats> statsForLayer, Budget budget) {
        ReportBuilder report = new ReportBuilder(this, cache, budget);
        int layers = cache.layers(), heads = cache.kvHeads();
        int t = Selection.uniformTokens(cache, name);
        int c = budget.capacity(t);
        if (decode != null) {
            // a fresh start for this prompt, then the capacity and (in afterPrefill) the state decode eviction continues from;
            // nothing may reset the decode press after this, or "decode-max-tokens=auto" would find no capacity
            decode.reset();
            decode.prefillCapacity(c);
        }
        boolean needStats = statsRequest(layers, 0, heads, t).any();
        AttentionStats[] stats = new AttentionStats[layers];
        for (int l = 0; l < layers && needStats; l++) {
            stats[l] = statsForLayer.apply(l);
            Selection.checkStats(stats[l], l, t, cache, name);
        }
        if (t == 0 || (c >= t && allocator.leavesShortPromptsAlone())) {
            if (decode != null) {
                for (int l = 0; l < layers; l++) for (int h = 0; h < heads; h++) {
                    decode.afterPrefill(context(cache, l, h, stats[l]), Selection.all(t));
                }
            }
            return report.detail("note", "left alone: budget " + c + " >= prompt " + t).finish(cache, t);
        }
        Protection.Range range = protection.fit(t, c);
        HeadScores[][] scores = new HeadScores[layers][heads];
        for (int l = 0; l < layers; l++) {
            float[][] s = scorer.score(new LayerView(l, layers, cache.layer(l), stats[l], gqa, seed), range.lo(), range.hi());
            for (int h = 0; h < heads; h++) scores[l][h] = new HeadScores(s[h]);
        }
        BudgetAllocator.Allocation alloc = allocator.allocate(
                new BudgetAllocator.Context(layers, heads, t, c, range.lo(), range.hi(), scores));
        long merged = 0;
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                HeadCache head = cache.head(l, h);
                boolean[] kept = Selection.mask(t, range.lo(), range.hi(), scores[l][h].order(), alloc.keep()[l][h]);
                HeadContext ctx = context(cache, l, h, stats[l]);
                merged += overflow.resolve(ctx, kept);
                if (alloc.windowMass() != null) {
                    float[] m = alloc.windowMass()[l];
                    for (int k = 0; k < m.length; k++) if (m[k] != 1f) head.setMass(range.hi() + k, head.mass(range.hi() + k) * m[k]);
                }
                if (decode != null) decode.afterPrefill(ctx, Selection.indices(kept));
                Selection.retain(head, kept);
            }
            scores[l] = null;
        }
        report.detail("scorer", scorer.label()).detail("overflow", overflow.label());
        if (merged > 0) report.detail("merged", merged);
        alloc.details().forEach(report::detail);
        return report.finish(cache, t);
    }

    private HeadContext context(KvCache cache, int layer, int kvHead, AttentionStats stats) {
        return new HeadContext(layer, cache.layers(), kvHead, cache.head(layer, kvHead), stats, gqa, seed);
    }
}
