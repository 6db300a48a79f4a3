package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.kvasir.core.press.PressFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * KVMerger on a hand-built head (d = 2, T = 10):
 * <pre>
 *   j   key        a_j   role
 *   0   (1, 0)     9     heavy hitter (protected, heavy = 0.1 → 1 token)
 *   1   (1, .1)    1     ┐ cos = .9952 > .75
 *   2   (1, .2)    2     ┘ pivot (a = 2)            cos(k2, k3) = .196: break
 *   3   (0, 1)     .5    ┐ cos = 1
 *   4   (0, 2)     3     │ pivot (a = 3)
 *   5   (.2, 2)    1     ┘ cos = .9950              cos(k5, k6) < 0: break
 *   6   (−1, 0)    1     singleton                  cos(k6, k7) = 0: break
 *   7   (0, −1)    1     singleton
 *   8   (1, 1)     1     recent (protected, recent = 0.2 → 2 tokens)
 *   9   (1, 1)     1     recent
 * </pre>
 * Values v_j = (j, 1). Sets: {1, 2} → slot at 2, {3, 4, 5} → slot at 4.
 */
class PressKvMergerTest {
    static final float[][] KEYS = {{1, 0}, {1, 0.1f}, {1, 0.2f}, {0, 1}, {0, 2}, {0.2f, 2}, {-1, 0}, {0, -1}, {1, 1}, {1, 1}};
    static final float[] A = {9, 1, 2, 0.5f, 3, 1, 1, 1, 1, 1};

    static KvCache headCache(int layers) {
        return cache(layers, 1, 2, 10, (l, h, j) -> KEYS[j].clone(), (l, h, j) -> vec(j, 1));
    }

    static AttentionStats stats() { return columnStats(1, new float[][] {A.clone()}); }

    /**
     * The paper's reading (heavy tokens by a_j), which the table above plants, with the fixed ε = 0.75
     * ({@code exact=false}) whose merging sets the table shows; see {@link #windowVariantProtectsWhatTheLastQueriesAttendTo}.
     */
    static Press kvmerger(String... extra) {
        String[] base = {"recent", "0.2", "heavy", "0.1", "exact", "false"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return press("kvmerger", all);
    }

    @Test
    void mergesChainsIntoPivotsWithGaussianWeightsAndTheSizeFactor() {
        KvCache c = headCache(4);
        KvCache before = copy(c);
        CompressionReport r = kvmerger("sigma", "1").compress(c, same(stats()), Budget.fraction(0.5));
        // layer 2 (the only merged one): pivots 2 and 4, protected 0, 8, 9 and singletons 6, 7 stay
        assertThat(positions(c, 2, 0)).containsExactly(0, 2, 4, 6, 7, 8, 9);
        // set {1, 2}, pivot 2: g1 = exp(−‖k2 − k1‖²/2σ²) = exp(−.01/2), g2 = 1
        double g1 = Math.exp(-0.01 / 2);
        double w1 = g1 / (1 + g1), w2 = 1 / (1 + g1);
        assertThat(key(c, 2, 0, 1)).containsExactly(new float[] {1f, (float) (0.1 * w1 + 0.2 * w2)}, within(1e-6f));
        assertThat(value(c, 2, 0, 1)).containsExactly(new float[] {(float) (2 * (w1 * 1 + w2 * 2)), 2f}, within(1e-5f));
        // set {3, 4, 5}, pivot 4: g3 = exp(−1/2), g5 = exp(−.04/2), Σg = g3 + 1 + g5; v* = 3·Σ w v
        double g3 = Math.exp(-0.5), g5 = Math.exp(-0.02), s = g3 + 1 + g5;
        assertThat(key(c, 2, 0, 2)).containsExactly(new float[] {(float) (0.2 * g5 / s), (float) ((g3 + 2 + 2 * g5) / s)}, within(1e-6f));
        assertThat(value(c, 2, 0, 2)).containsExactly(new float[] {(float) (3 * (3 * g3 + 4 + 5 * g5) / s), 3f}, within(1e-5f));
        // protected and singleton slots are untouched
        for (int p : new int[] {0, 6, 7, 8, 9}) {
            int slot = slotOf(c, 2, 0, p);
            assertThat(key(c, 2, 0, slot)).containsExactly(KEYS[p]);
            assertThat(value(c, 2, 0, slot)).containsExactly(p, 1);
        }
        // no mass recorded in the paper's mode
        assertThat(c.head(2, 0).massOrNull()).isNull();
        // layers 0, 1 and L − 1 are left alone, bit for bit
        for (int l : new int[] {0, 1, 3}) {
            assertThat(positions(c, l, 0)).containsExactly(positions(before, l, 0));
            for (int sl = 0; sl < 10; sl++) {
                assertThat(bits(key(c, l, 0, sl))).isEqualTo(bits(key(before, l, 0, sl)));
                assertThat(bits(value(c, l, 0, sl))).isEqualTo(bits(value(before, l, 0, sl)));
            }
        }
        assertThat(r.layerCompressionRatios()).containsExactly(1, 1, 0.7, 1);
        assertThat(r.details()).containsEntry("merged", "3");
        assertThat(r.achievedFraction()).isEqualTo(37 / 40.0);
    }

    @Test
    void defaultSigmaIsFive() {
        KvCache c = headCache(1);
        kvmerger("skip-layers", "none").compress(c, same(stats()), Budget.fraction(0.5));
        double g3 = Math.exp(-1 / 50.0), g5 = Math.exp(-0.04 / 50.0), s = g3 + 1 + g5;
        assertThat(key(c, 0, 0, slotOf(c, 0, 0, 4))).containsExactly(new float[] {(float) (0.2 * g5 / s), (float) ((g3 + 2 + 2 * g5) / s)}, within(1e-6f));
    }

    @Test
    void autoSigmaIsTheOneStepFixedPoint() {
        KvCache c = headCache(1);
        kvmerger("skip-layers", "none", "sigma", "auto").compress(c, same(stats()), Budget.fraction(0.5));
        // set {3, 4, 5}: σ0 = RMS distance of 3 and 5 to the pivot = √((1 + .04)/2); σ1 = mean g(σ0) / √2
        double s0 = Math.sqrt(0.52);
        double s1 = (Math.exp(-1 / (2 * s0 * s0)) + 1 + Math.exp(-0.04 / (2 * s0 * s0))) / 3 / Math.sqrt(2);
        double g3 = Math.exp(-1 / (2 * s1 * s1)), g5 = Math.exp(-0.04 / (2 * s1 * s1)), s = g3 + 1 + g5;
        assertThat(key(c, 0, 0, slotOf(c, 0, 0, 4))).containsExactly(new float[] {(float) (0.2 * g5 / s), (float) ((g3 + 2 + 2 * g5) / s)}, within(1e-6f));
    }

    @Test
    void averageValueRuleDropsTheSizeFactor() {
        KvCache c = headCache(1);
        kvmerger("skip-layers", "none", "sigma", "1", "value-rule", "average").compress(c, same(stats()), Budget.fraction(0.5));
        double g3 = Math.exp(-0.5), g5 = Math.exp(-0.02), s = g3 + 1 + g5;
        assertThat(value(c, 0, 0, slotOf(c, 0, 0, 4))).containsExactly(new float[] {(float) ((3 * g3 + 4 + 5 * g5) / s), 1f}, within(1e-5f));
        assertThat(c.head(0, 0).massOrNull()).isNull();
    }

    @Test
    void massAwareModeRecordsTheTokensEachSlotStandsFor() {
        KvCache c = headCache(1);
        kvmerger("skip-layers", "none", "sigma", "1", "mass", "true").compress(c, same(stats()), Budget.fraction(0.5));
        double g3 = Math.exp(-0.5), g5 = Math.exp(-0.02), s = g3 + 1 + g5;
        int slot4 = slotOf(c, 0, 0, 4), slot2 = slotOf(c, 0, 0, 2);
        assertThat(value(c, 0, 0, slot4)).containsExactly(new float[] {(float) ((3 * g3 + 4 + 5 * g5) / s), 1f}, within(1e-5f));
        assertThat(c.head(0, 0).mass(slot4)).isEqualTo(3f);
        assertThat(c.head(0, 0).mass(slot2)).isEqualTo(2f);
        float total = 0;
        for (int sl = 0; sl < c.head(0, 0).size(); sl++) total += c.head(0, 0).mass(sl);
        assertThat(total).isEqualTo(10f);
    }

    @Test
    void pivotIsTheMostAttendedMemberNotTheFirst() {
        // same keys, but token 5 now has the most attention in {3, 4, 5}
        float[] a = A.clone();
        a[5] = 7;
        KvCache c = headCache(1);
        kvmerger("skip-layers", "none").compress(c, same(columnStats(1, new float[][] {a})), Budget.fraction(0.5));
        assertThat(positions(c, 0, 0)).containsExactly(0, 2, 5, 6, 7, 8, 9);
    }

    @Test
    void exactModeLowersEpsilonUntilTheTargetIsMet() {
        // C = 5, one layer: 5 joins needed among the 6 eligible pairs; by cosine: (3,4) 1, (1,2) .99523,
        // (4,5) .99504, (2,3) .196, (6,7) 0, (5,6) −.0995 → sets {0} {1..5} {6,7} {8} {9}
        KvCache c = headCache(1);
        CompressionReport r = kvmerger("skip-layers", "none", "exact", "true", "mass", "true").compress(c, same(stats()), Budget.tokensPerHead(5));
        // pivots: argmax a over {1..5} = 4; {6, 7} tie → the later token 7
        assertThat(positions(c, 0, 0)).containsExactly(0, 4, 7, 8, 9);
        assertThat(c.head(0, 0).mass(1)).isEqualTo(5f);
        assertThat(c.head(0, 0).mass(2)).isEqualTo(2f);
        assertThat(r.details()).containsEntry("eps-per-layer", "0.000").containsEntry("evicted", "0");
    }

    @Test
    void exactModeFallsBackToEvictionWhenMergingIsNotEnough() {
        // C = 3: all pairs joined gives {0} {1..7} {8} {9} = 4 slots; the merged set goes first (protected outrank it)
        KvCache c = headCache(1);
        CompressionReport r = kvmerger("skip-layers", "none", "exact", "true").compress(c, same(stats()), Budget.tokensPerHead(3));
        assertThat(positions(c, 0, 0)).containsExactly(0, 8, 9);
        assertThat(r.details()).containsEntry("evicted", "1");
    }

    @Test
    void exactModeSharesTheBudgetLeftByTheSkippedLayers() {
        // L = 5, T = 10, C = 7: layers 0, 1, 4 keep 10 each, layers 2 and 3 share 35 − 30 = 5 → 3 and 2
        KvMerger p = (KvMerger) kvmerger("exact", "true");
        assertThat(p.targets(5, 10, 7)).containsExactly(10, 10, 3, 2, 10);
        KvCache c = headCache(5);
        CompressionReport r = p.compress(c, same(stats()), Budget.tokensPerHead(7));
        assertThat(r.keptPerLayer()).containsExactly(10, 10, 3, 2, 10);
        assertThat(r.keptSlots()).isEqualTo(35);
    }

    @Test
    void theDefaultIsThePapersReading() {
        Press p = Presses.create("kvmerger");
        // the paper: heavy tokens by accumulated attention, a fixed ε = 0.75 (its budget is approximate)
        assertThat(p.options()).containsEntry("heavy-score", "accumulated").containsEntry("exact", "false").containsEntry("eps", "0.75")
                .doesNotContainKey("window");
        assertThat(p.label()).isEqualTo("kvmerger");
        assertThat(p.statsRequest(1, 1, 1, 10).window()).isZero();
        assertThat(Presses.parse("kvmerger:heavy-score=window").label()).isEqualTo("kvmerger:heavy-score=window");
        assertThat(Presses.parse("kvmerger:heavy-score=accumulated,exact=false,eps=0.75").label()).isEqualTo("kvmerger");
        assertThat(Presses.parse("kvmerger:heavy-score=accumulated,exact=true").label()).isEqualTo("kvmerger:exact=true");
        assertThat(Presses.parse("kvmerger:exact=true,heavy-score=window,window=32").label()).isEqualTo("kvmerger:exact=true,heavy-score=window");
    }

    @Test
    void fixedEpsilonSaysWhyItMissesTheBudget() {
        // exact=false on L = 4: only layer 2 merges (37 of 40 slots kept at a budget of 20)
        CompressionReport r = kvmerger().compress(headCache(4), same(stats()), Budget.fraction(0.5));
        assertThat(r.label()).isEqualTo("kvmerger:recent=0.2,heavy=0.1");
        assertThat(r.budgetNote()).contains("kept 0.9250", "requested 0.5000", "exact=false", "data-dependent");
        // exact=true on the same cache cannot go below the three skipped layers' 30 slots: it says so
        CompressionReport exact = press("kvmerger", "recent", "0.2", "heavy", "0.1", "exact", "true").compress(headCache(4), same(stats()), Budget.fraction(0.5));
        assertThat(exact.keptSlots()).isEqualTo(31);
        assertThat(exact.budgetNote()).contains("layers 0, 1 and L-1 are never merged");
        // with enough layers it meets the budget exactly and says nothing
        CompressionReport met = press("kvmerger", "recent", "0.2", "heavy", "0.1", "exact", "true").compress(headCache(12), same(stats()), Budget.fraction(0.5));
        assertThat(met.keptSlots()).isEqualTo(60);
        assertThat(met.budgetNote()).isNull();
    }

    @Test
    void windowVariantProtectsWhatTheLastQueriesAttendTo() {
        // Same head, but the last queries look at token 3 (window vote .9 there, .01 elsewhere; kernel 1:
        // no pooling) while a_j still favours token 0. Heavy = 1 token → token 3 is protected instead of 0:
        // chains {0, 1, 2} (cos .995, .995; pivot 0, a = 9), {3} protected, {4, 5} (cos .9950; pivot 4).
        KvCache c = headCache(1);
        float[] vote = row(10, 0.01f, 3, 0.9f);
        AttentionStats both = new AttentionStats(1, 1, 10, new float[][] {A.clone()}, windowStats(1, 2, new float[][] {vote}).windowRows(), null);
        Press p = press("kvmerger", "recent", "0.2", "heavy", "0.1", "skip-layers", "none", "exact", "false", "heavy-score", "window",
                "window", "2", "kernel", "1", "sigma", "1");
        assertThat(p.label()).startsWith("kvmerger:").contains("heavy-score=window", "window=2").doesNotContain("exact");
        assertThat(p.statsRequest(1, 1, 1, 10).window()).isEqualTo(2);
        p.compress(c, same(both), Budget.fraction(0.5));
        assertThat(positions(c, 0, 0)).containsExactly(0, 3, 4, 6, 7, 8, 9);
        assertThat(key(c, 0, 0, slotOf(c, 0, 0, 3))).containsExactly(KEYS[3]);
        assertThat(value(c, 0, 0, slotOf(c, 0, 0, 3))).containsExactly(3, 1);
        // set {0, 1, 2} merged into pivot 0: g1 = exp(−.01/2), g2 = exp(−.04/2), v* = 3·Σ w v
        double g1 = Math.exp(-0.005), g2 = Math.exp(-0.02), s = 1 + g1 + g2;
        assertThat(key(c, 0, 0, 0)).containsExactly(new float[] {1f, (float) ((0.1 * g1 + 0.2 * g2) / s)}, within(1e-6f));
        assertThat(value(c, 0, 0, 0)).containsExactly(new float[] {(float) (3 * (g1 + 2 * g2) / s), 3f}, within(1e-5f));
        // the paper's reading on the same statistics protects token 0 and merges {3, 4, 5}
        KvCache paper = headCache(1);
        kvmerger("skip-layers", "none").compress(paper, same(both), Budget.fraction(0.5));
        assertThat(positions(paper, 0, 0)).containsExactly(0, 2, 4, 6, 7, 8, 9);
    }

    @Test
    void paperProportionsInterpolate() {
        assertThat(KvMerger.proportions(0.5)).containsExactly(new double[] {0.17, 0.12}, within(1e-12));
        assertThat(KvMerger.proportions(0.35)).containsExactly(new double[] {0.08, 0.02}, within(1e-12));
        assertThat(KvMerger.proportions(0.425)).containsExactly(new double[] {0.125, 0.07}, within(1e-12));
        assertThat(KvMerger.proportions(1.0)).containsExactly(new double[] {0.34, 0.24}, within(1e-12));
        assertThat(KvMerger.proportions(0.175)).containsExactly(new double[] {0.04, 0.01}, within(1e-12));
    }
    @Test
    void mergeTraceTellsWhichPositionsWentIntoWhichSlot() {
        KvCache c = headCache(4);
        List<String> merges = new ArrayList<>();
        MergeTrace.during((layer, kvHead, slot, absorbed) -> merges.add(layer + "/" + kvHead + ": " + Arrays.toString(absorbed) + " -> " + slot),
                () -> kvmerger("sigma", "1").compress(c, same(stats()), Budget.fraction(0.5)));
        // the sets of the table above, in layer 2 only (0, 1 and L − 1 are skipped)
        assertThat(merges).containsExactly("2/0: [1] -> 2", "2/0: [3, 5] -> 4");
        // outside during(), nothing is told
        KvCache again = headCache(4);
        kvmerger("sigma", "1").compress(again, same(stats()), Budget.fraction(0.5));
        assertThat(merges).hasSize(2);
    }
}
