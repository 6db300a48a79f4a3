package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.kvasir.core.press.PressFixtures.randomStats;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every method keeps the bytes it was asked for, within ±{@value CompressionReport#BUDGET_TOLERANCE_PERCENT} %
 * of the requested C·layers·kvHeads slots (every slot holds the same key and value bytes), or its report's
 * budget note says why, on prompts of 64, 512 and 4096 tokens of a cache shaped like the default
 * model's (30 layers, so KVMerger's three unmerged layers weigh as they do there; GQA groups of 3),
 * with random-walk keys and random attention statistics.
 */
class PressBudgetTest {
    static final int LAYERS = 30, KV_HEADS = 2, GROUP = 3, DIM = 8;
    static final List<Budget> BUDGETS = List.of(Budget.fraction(0.5), Budget.fraction(0.35), Budget.fraction(0.2), Budget.tokensPerHead(128));

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String name : Presses.names()) {
            for (int tokens : new int[] {64, 512, 4096}) out.add(Arguments.of(name, tokens));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} on {1} tokens")
    @MethodSource("cases")
    void keepsTheRequestedBytesOrSaysWhy(String name, int tokens) {
        PressPropertiesTest.Shape shape = new PressPropertiesTest.Shape(LAYERS, KV_HEADS, GROUP, DIM, tokens, 11L * tokens + name.hashCode());
        // a few distinct layers of statistics, reused (4096-token window rows for 30 layers would be 90 MB)
        SplittableRandom rnd = new SplittableRandom(tokens);
        AttentionStats[] stats = new AttentionStats[3];
        for (int i = 0; i < stats.length; i++) stats[i] = randomStats(rnd, KV_HEADS * GROUP, KV_HEADS, tokens, 32);
        for (Budget budget : BUDGETS) {
            KvCache cache = shape.cache();
            CompressionReport r = Presses.create(name).compressOrSkip(cache, l -> stats[l % stats.length], budget);
            long requested = (long) LAYERS * KV_HEADS * Math.min(budget.capacity(tokens), tokens);
            long kept = cache.totalSlots();
            String what = name + " " + budget.describe() + " on " + tokens + " tokens: kept " + kept + " of " + requested + " slots, note " + r.budgetNote();
            assertThat(r.keptSlots()).as(what).isEqualTo(kept);
            assertThat(r.bytesAfter()).as(what).isEqualTo(kept * 2 * DIM * Float.BYTES);
            boolean within = Math.abs(kept - requested) * 100 <= CompressionReport.BUDGET_TOLERANCE_PERCENT * requested;
            if (within) {
                assertThat(r.budgetNote()).as(what).isNull();
            } else {
                assertThat(r.budgetNote()).as(what).isNotBlank().doesNotContain("no reason given");
            }
        }
    }
}
