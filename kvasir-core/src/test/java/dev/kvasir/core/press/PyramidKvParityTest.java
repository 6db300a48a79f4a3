package dev.kvasir.core.press;

import dev.kvasir.core.ParityFixture;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.kvasir.core.ParityFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * PyramidKV's layer budgets and kept positions equal those of the independent reference
 * {@code tools/reference/pyramidkv_ref.py} (6 layers, 4 query heads over 2 KV heads, 320 seeded tokens,
 * w = 8, k = 7, max-pool, β = 20; the exact line and KVCache-Factory's integer step; budgets from 32
 * tokens per head to the b_max = T − w clamp and the plain-SnapKV case).
 */
class PyramidKvParityTest {

    @Test
    void layerBudgetsMatchTheReference() {
        ParityFixture f = ParityFixture.load("pyramidkv.json");
        Map<String, Object> in = f.object("input");
        int layers = integer(in, "layers"), t = integer(in, "tokens"), w = integer(f.object("settings"), "window");
        for (Object o : f.array("cases")) {
            Map<String, Object> c = object(o);
            boolean exact = object(c.get("options")).get("step").equals("exact");
            int avg = integer(c, "tokens_per_head") - w;
            assertThat(new PyramidBudget(real(f.object("settings"), "beta"), exact).layerBudgets(layers, avg, t - w, t))
                    .as("%s", c.get("options") + " C=" + c.get("tokens_per_head")).containsExactly(ints(c.get("layer_budgets")));
        }
    }

    @Test
    void keptPositionsMatchTheReference() {
        ParityFixture f = ParityFixture.load("pyramidkv.json");
        SnapKvParityTest.assertKeptMatch(f, SnapKvParityTest.seededStats(f.object("input")), "pyramidkv");
    }
}
