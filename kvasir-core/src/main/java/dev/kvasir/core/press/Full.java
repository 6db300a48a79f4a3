package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;

import java.util.Map;
import java.util.function.IntFunction;

/** The identity: the full cache, the baseline every method is compared with. */
final class Full implements Press {
    private final Map<String, String> options;

    private Full(Map<String, String> options) {
        this.options = options;
    }

    static Press create(Options o) { return new Full(o.done()); }

    @Override public String name() { return "full"; }

    @Override public Map<String, String> options() { return options; }

    @Override public int minPromptTokens() { return 0; }

    @Override public StatsRequest statsRequest(int layers, int queryHeads, int kvHeads, int promptTokens) { return StatsRequest.NONE; }

    @Override public CompressionReport compress(KvCache cache, IntFunction<AttentionStats> statsForLayer, Budget budget) {
        int t = cache.layers() == 0 ? 0 : cache.head(0, 0).size();
        return new ReportBuilder(this, cache, budget).detail("note", "full cache")
                .budgetReason("the full cache is the uncompressed baseline: it keeps every token whatever the budget").finish(cache, t);
    }
}
