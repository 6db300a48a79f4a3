package dev.kvasir.core.press;

import dev.kvasir.core.ParityFixture;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.kvasir.core.ParityFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * DynamicKV's per-layer budgets equal those of the independent reference
 * {@code tools/reference/dynamickv_ref.py} on the recorded prefill attention of the default model
 * (L = 30, 3 KV heads, 300 tokens; m = 4, r_max = 10, w = 8, avg-pool k = 7) at 16 to 128 tokens per
 * head, for Kvasir's default (fixed quirks), the official code (q2, q3, q4 faithful) and the official
 * code with a final rebalance (its last-layer need_add then runs).
 */
class DynamicKvParityTest {

    @Test
    void layerBudgetsMatchTheReference() {
        ParityFixture f = ParityFixture.load("dynamickv.json");
        Map<String, Object> in = f.object("input"), set = f.object("settings");
        int layers = integer(in, "layers"), heads = integer(in, "kv_heads"), t = integer(in, "tokens");
        int w = integer(set, "window"), n = t - w;
        float[] flat = floats(in.get("scores"));
        assertThat(shape(in.get("scores"))).containsExactly(layers, heads, n);
        int checked = 0;
        for (Object o : f.array("cases")) {
            Map<String, Object> c = object(o);
            Map<String, Object> opts = object(c.get("options"));
            DynamicKvBudget budget = new DynamicKvBudget(real(set, "r_max"), integer(set, "m"), real(set, "r_min"),
                    fixed(opts, "q2"), fixed(opts, "q3"), fixed(opts, "q4"), true, w);
            HeadScores[][] scores = new HeadScores[layers][heads];
            for (int l = 0; l < layers; l++) for (int h = 0; h < heads; h++) {
                float[] s = new float[n];
                System.arraycopy(flat, (l * heads + h) * n, s, 0, n);
                scores[l][h] = new HeadScores(s);
            }
            int capacity = integer(c, "tokens_per_head");
            BudgetAllocator.Allocation a = budget.allocate(new BudgetAllocator.Context(layers, heads, t, capacity, 0, n, scores));
            int[] prefix = ints(c.get("prefix_kept"));
            List<Object> mult = array(c.get("window_multiplicity"));
            String what = c.get("variant") + " C=" + capacity;
            assertThat(a.details()).as(what).containsEntry("b_s", Integer.toString(integer(c, "b_s")));
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) assertThat(a.keep()[l][h]).as("%s layer %d head %d", what, l, h).isEqualTo(prefix[l]);
                int[] m = ints(mult.get(l));
                for (int k = 0; k < w; k++) {
                    float held = a.windowMass() == null ? 1f : a.windowMass()[l][k];
                    assertThat(held).as("%s layer %d window slot %d", what, l, k).isEqualTo((float) m[k]);
                }
            }
            if (c.get("variant").equals("default")) {
                long held = (long) w * layers * heads;
                for (int[] k : a.keep()) for (int x : k) held += x;
                assertThat(held).as("%s meets its budget exactly", what).isEqualTo((long) integer(c, "budget_slots"));
            }
            checked++;
        }
        assertThat(checked).isEqualTo(12);
    }

    private static boolean fixed(Map<String, Object> opts, String quirk) { return opts.get(quirk).equals("fixed"); }
}
