package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;
import org.junit.jupiter.api.Test;

import static dev.kvasir.core.press.PressFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How budgets are divided between layers (PyramidKV, DynamicKV) and heads (AdaKV), computed by hand. */
class PressBudgetDivisionTest {

    // ---------------------------------------------------------------- PyramidKV

    private static CompressionReport pyramid(int t, int c, String... extra) {
        KvCache cache = plain(4, 1, 2, t);
        float[] v = new float[t];
        for (int j = 0; j < t; j++) v[j] = (j * 37 % 101) / 101f;
        String[] opts = new String[4 + extra.length];
        opts[0] = "window"; opts[1] = "8"; opts[2] = "kernel"; opts[3] = "1";
        System.arraycopy(extra, 0, opts, 4, extra.length);
        return press("pyramidkv", opts).compress(cache, same(windowStats(1, 8, new float[][] {v})), Budget.tokensPerHead(c));
    }

    @Test
    void pyramidIsAnArithmeticProgressionWithIntegerStep() {
        // T = 100, C = 28, w = 8: avg = 20, b_min = 20/20 = 1, b_max = 39, step = ⌊38/3⌋ = 12 → 39 27 15 3 (+ 8)
        assertThat(pyramid(100, 28, "step", "integer").keptPerLayer()).containsExactly(47, 35, 23, 11);
    }

    @Test
    void pyramidExactStepMeetsTheMeanExactly() {
        // the default: exact line 39, 26.33, 13.67, 1 → floors 39 26 13 1 (79) + 1 to the largest remainder (13.67) → 39 26 14 1
        CompressionReport r = pyramid(100, 28);
        assertThat(r.keptPerLayer()).containsExactly(47, 34, 22, 9);
        assertThat(r.keptSlots()).isEqualTo(4 * 28);
    }

    @Test
    void pyramidSpecialCases() {
        // T = 45: b_max = 39 ≥ T − w = 37 → b_max = 37, b_min = 40 − 37 = 3, step = ⌊34/3⌋ = 11 → 37 26 15 4
        assertThat(pyramid(45, 28, "step", "integer").keptPerLayer()).containsExactly(45, 34, 23, 12);
        // exact: 37, 25.67, 14.33, 3 → 37 25 14 3 (79) + 1 to 25.67 → 37 26 14 3
        assertThat(pyramid(45, 28).keptPerLayer()).containsExactly(45, 34, 22, 11);
        // T = 39 < 2·avg = 40 → uniform SnapKV
        assertThat(pyramid(39, 28).keptPerLayer()).containsExactly(28, 28, 28, 28);
    }

    // ---------------------------------------------------------------- DynamicKV

    /**
     * L = 3, one head, T = 12, w = 2 (slots 10, 11), C = 5 → base = 3; r_max = 2 → b_s = min(6, 10) = 6; m = 2.
     * Pooled scores (kernel 1) of the prefix j = 0..9.
     */
    private static final float[][] DYN = {
            {0.09f, 0.08f, 0.07f, 0.06f, 0.05f, 0.04f, 0.03f, 0.02f, 0.01f, 0.005f},
            {0.15f, 0.14f, 0.13f, 0.12f, 0.11f, 0.10f, 0.08f, 0.07f, 0.06f, 0.04f},
            {0.40f, 0.35f, 0.30f, 0.01f, 0.009f, 0.008f, 0.007f, 0.006f, 0.005f, 0.004f}};

    private static KvCache dynamicKv(String... extra) {
        KvCache c = plain(3, 1, 2, 12);
        String[] opts = {"window", "2", "kernel", "1", "r-max", "2", "m", "2"};
        String[] all = new String[opts.length + extra.length];
        System.arraycopy(opts, 0, all, 0, opts.length);
        System.arraycopy(extra, 0, all, opts.length, extra.length);
        press("dynamickv", all).compress(c, l -> windowStats(1, 2, new float[][] {padded(12, DYN[l])}), Budget.tokensPerHead(5));
        return c;
    }

    @Test
    void dynamicKvProgressiveDivisionByHand() {
        // after layer 1, P = {0, 1}: global top-6 = six of layer 1 → cnt = [0, 6] div 2 = [0, 3], f = [0, 1]
        //   raw = [0, 6], ρ = 6 / (3·3), b = [0, 9]; Q2: layer 1 capped at its prefix 6, the other 3 go to
        //   layer 0 (raw 0 everywhere left: even split) → [3, 6]; Q4 floor ⌈.1·3⌉ = 1 holds
        // after layer 2 (Q3 fix: final rebalance), P = {0, 1, 2}: top-9 = .40 .35 .30 (L2) + six of L1
        //   cnt = [0, 6, 3] div 3 = [0, 2, 1] (need_add = 9/3 − 3 = 0), raw = ⌊6·f⌋ = [0, 4, 2],
        //   b = raw·9/6 = [0, 6, 3] within the prefixes [3, 6, 6]; Q4: [1, 5, 3] (one from the largest): Σ = 9 = base·L
        KvCache c = dynamicKv();
        assertThat(positions(c, 0, 0)).containsExactly(0, 10, 11);
        assertThat(positions(c, 1, 0)).containsExactly(0, 1, 2, 3, 4, 10, 11);
        assertThat(positions(c, 2, 0)).containsExactly(0, 1, 2, 10, 11);
        assertThat(c.head(1, 0).massOrNull()).isNull();
    }

    /**
     * L = 3, m = 3 (one rebalance, at the last layer), T = 12, w = 2, C = 5 → base 3, b_s 6. The global
     * top-9 holds 1 | 5 | 3 entries of layers 0 | 1 | 2, so cnt = [1, 5, 3] div 3 = [0, 1, 1] loses 1 of
     * base·H = 3, which the official need_add gives to the last layer: cnt = [0, 1, 2], raw = [0, 2, 4],
     * b = raw·9/6 = [0, 3, 6]. Without need_add it would be f = [0, ½, ½], b = [0, 4, 4 + 1].
     */
    @Test
    void dynamicKvNeedAddGivesTheLastLayerTheRoundingLoss() {
        float[][] scores = {
                {0.5f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f},
                {0.30f, 0.29f, 0.28f, 0.27f, 0.26f, 0.02f, 0.02f, 0.02f, 0.02f, 0.02f},
                {0.20f, 0.19f, 0.18f, 0.03f, 0.03f, 0.03f, 0.03f, 0.03f, 0.03f, 0.03f}};
        KvCache c = plain(3, 1, 2, 12);
        CompressionReport r = press("dynamickv", "window", "2", "kernel", "1", "r-max", "2", "m", "3", "q4", "faithful")
                .compress(c, l -> windowStats(1, 2, new float[][] {padded(12, scores[l])}), Budget.tokensPerHead(5));
        assertThat(r.keptPerLayer()).containsExactly(0 + 2, 3 + 2, 6 + 2);
        assertThat(r.keptSlots()).isEqualTo(3 * 5);
    }

    @Test
    void dynamicKvFaithfulQuirks() {
        // q2 + q3 faithful: rebalance 1 gives b = [0, 9] → Q4 [1, 8]; layer 1's list [r0..r5, W0, W1][:8] + window
        //   = r0..r5 W0 W1 W0 W1 (duplicated window → mass 2); no final rebalance: layer 2 keeps b_s = 6
        KvCache c = dynamicKv("q2", "faithful", "q3", "faithful");
        assertThat(positions(c, 0, 0)).containsExactly(0, 10, 11);
        assertThat(positions(c, 1, 0)).containsExactly(0, 1, 2, 3, 4, 5, 10, 11);
        assertThat(c.head(1, 0).mass(6)).isEqualTo(2f);
        assertThat(c.head(1, 0).mass(7)).isEqualTo(2f);
        assertThat(c.head(1, 0).mass(0)).isEqualTo(1f);
        assertThat(positions(c, 2, 0)).containsExactly(0, 1, 2, 3, 4, 5, 10, 11);
        // and without the Q4 floor, layer 0 keeps only its window
        KvCache c2 = dynamicKv("q2", "faithful", "q3", "faithful", "q4", "faithful");
        assertThat(positions(c2, 0, 0)).containsExactly(10, 11);
        assertThat(positions(c2, 1, 0)).containsExactly(0, 1, 2, 3, 4, 5, 10, 11);
        assertThat(c2.head(1, 0).mass(6)).isEqualTo(2f);
    }

    @Test
    void dynamicKvShortPrompts() {
        KvCache c = plain(2, 1, 2, 1);
        Press fixed = press("dynamickv");
        CompressionReport r = fixed.compress(c, l -> windowStats(1, 1, new float[][] {{1f}}), Budget.tokensPerHead(4));
        assertThat(r.achievedFraction()).isEqualTo(1.0);
        assertThatThrownBy(() -> press("dynamickv", "q5", "faithful").compress(plain(2, 1, 2, 1), l -> windowStats(1, 1, new float[][] {{1f}}), Budget.tokensPerHead(4)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("shorter than the window");
    }

    // ---------------------------------------------------------------- AdaKV

    /** Two KV heads (one query head each), T = 12, window 2: head 0 has six strong tokens, head 1 one. */
    private static KvCache adaKv(String alpha, String... extra) {
        float[][] cols = {
                {10, 9, 8, 7, 6, 5.5f, 0.1f, 0.1f, 0.1f, 0.1f, 1, 1},
                {5, 0.5f, 0.4f, 0.3f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 1, 1}};
        KvCache c = plain(1, 2, 2, 12);
        String[] opts = new String[6 + extra.length];
        String[] base = {"scorer", "h2o", "window", "2", "alpha", alpha};
        System.arraycopy(base, 0, opts, 0, 6);
        System.arraycopy(extra, 0, opts, 6, extra.length);
        press("adakv", opts).compress(c, same(columnStats(2, cols)), Budget.tokensPerHead(6));
        return c;
    }

    @Test
    void adaKvOfficialAllocationCountsTheLayersTopKThenAppliesTheFloor() {
        // B = 6 − 2 = 4 per head, H·B = 8. Top 8 of the flattened scores: 10 9 8 7 6 5.5 (head 0), 5 .5 (head 1) → n = 6 | 2
        // α = .25: ⌊α·B⌋ = 1, budget = round(6·.75 + 1) = round(5.5) = 6 | round(2·.75 + 1) = round(2.5) = 2 (half to even)
        KvCache c = adaKv("0.25");
        assertThat(positions(c, 0, 0)).containsExactly(0, 1, 2, 3, 4, 5, 10, 11);
        assertThat(positions(c, 0, 1)).containsExactly(0, 1, 10, 11);
        // α = .75: ⌊α·B⌋ = 3, budget = round(6·.25 + 3) = round(4.5) = 4 | round(2·.25 + 3) = round(3.5) = 4
        KvCache c2 = adaKv("0.75");
        assertThat(positions(c2, 0, 0)).containsExactly(0, 1, 2, 3, 10, 11);
        assertThat(positions(c2, 0, 1)).containsExactly(0, 1, 2, 3, 10, 11);
        // α = .5: ⌊2⌋, round(6·.5 + 2) = 5 | round(2·.5 + 2) = 3
        KvCache c3 = adaKv("0.5");
        assertThat(c3.head(0, 0).size()).isEqualTo(5 + 2);
        assertThat(positions(c3, 0, 1)).containsExactly(0, 1, 2, 10, 11);
        // α = 1: uniform
        KvCache c4 = adaKv("1");
        assertThat(c4.head(0, 0).size()).isEqualTo(6);
        assertThat(c4.head(0, 1).size()).isEqualTo(6);
    }

    @Test
    void adaKvKvpressAllocationTakesTheFloorFirst() {
        // α = .25: floor ⌊1⌋ each (10 | 5), then the best 6 of the rest: 9 8 7 6 5.5 (head 0), .5 (head 1) → 6 | 2
        KvCache c = adaKv("0.25", "allocation", "kvpress");
        assertThat(positions(c, 0, 0)).containsExactly(0, 1, 2, 3, 4, 5, 10, 11);
        assertThat(positions(c, 0, 1)).containsExactly(0, 1, 10, 11);
        // α = .75: floor 3 each, the best 2 of the rest: 7 6 (head 0) → 5 | 3 (official: 4 | 4)
        KvCache c2 = adaKv("0.75", "allocation", "kvpress");
        assertThat(c2.head(0, 0).size()).isEqualTo(5 + 2);
        assertThat(positions(c2, 0, 1)).containsExactly(0, 1, 2, 10, 11);
    }

    @Test
    void adaKvOptionsAreReportedAndChecked() {
        Press p = Presses.create("adakv");
        assertThat(p.options()).containsEntry("allocation", "official").containsEntry("normalize", "false")
                .containsEntry("gqa-first", "true").containsEntry("alpha", "0.2");
        assertThatThrownBy(() -> press("adakv", "allocation", "greedy"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allocation=greedy").hasMessageContaining("official, kvpress");
    }
}
