package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.kvasir.core.press.PressFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** CaM's value merging and DynamicKV-merge's neighbour merging, by hand. */
class PressMergeTest {

    /**
     * T = 10, values v_j = (j, 1), C = 6: recent {7, 8, 9}, heavy by a among [0, 7): 3 (10), 2 (8), 0 (5).
     * Evicted 1, 4, 5, 6; merge budget m = 2.
     */
    private static KvCache cam(float a5, String... opts) {
        float[] a = {5, 0, 8, 10, 3, a5, 0, 2, 2.5f, 2};
        KvCache c = plain(1, 1, 2, 10);
        String[] all = new String[opts.length + 4];
        all[0] = "merge-budget";
        all[1] = "2";
        all[2] = "eviction";
        all[3] = "h2o";
        System.arraycopy(opts, 0, all, 4, opts.length);
        CompressionReport r = press("cam", all).compress(c, same(columnStats(1, new float[][] {a})), Budget.tokensPerHead(6));
        assertThat(positions(c, 0, 0)).containsExactly(0, 2, 3, 7, 8, 9);
        assertThat(r.options()).containsEntry("merge-budget", "2");
        return c;
    }

    /**
     * The official CaM cache at prefill: T = 10, values v_j = (j, 1), C = 6, start = 1 → keeps 0 and the
     * recent 5..9; 1..4 leave the window in that order, each merged into the next m = 2 tokens.
     */
    private static KvCache camWindow(float a3, String... opts) {
        float[] a = {5, 4, 2, a3, 3, 1, 1, 2, 2, 2};
        KvCache c = plain(1, 1, 2, 10);
        String[] all = new String[opts.length + 4];
        all[0] = "merge-budget";
        all[1] = "2";
        all[2] = "start";
        all[3] = "1";
        System.arraycopy(opts, 0, all, 4, opts.length);
        CompressionReport r = press("cam", all).compress(c, same(columnStats(1, new float[][] {a})), Budget.tokensPerHead(6));
        assertThat(positions(c, 0, 0)).containsExactly(0, 5, 6, 7, 8, 9);
        assertThat(r.options()).containsEntry("eviction", "start-recent").containsEntry("merge-budget", "2");
        return c;
    }

    /** Whether the third draw of the (seed, layer 0, KV head 0) stream is below p: the third evicted token's merge. */
    private static boolean thirdDrawBelow(long seed, double p) {
        SplittableRandom rnd = Seeds.stream(seed, 0, 0);
        rnd.nextDouble();
        rnd.nextDouble();
        return rnd.nextDouble() < p;
    }

    @Test
    void camOfficialMergesEachTokenLeavingTheWindowIntoTheNextTokensWithCascade() {
        // e = 1: p = 4 / mean(2, 0) > 1 → merged, V'1 = (1, 1)
        // e = 2: V'2 = v2 + V'1/2 = (2.5, 1.5); p = 2 / mean(0, 3) > 1 → merged
        // e = 3: V'3 = v3 + (V'1 + V'2)/2 = (4.75, 2.25); p = 0 → dropped
        // e = 4: V'4 = v4 + V'2/2 = (5.25, 1.75); p = 3 / mean(1, 1) > 1 → merged
        // kept 5: v5 + V'4/2 = (7.625, 1.875); 6: v6 + V'4/2 = (8.625, 1.875); 7..9 and 0 unchanged
        KvCache c = camWindow(0f);
        assertThat(value(c, 0, 0, 1)).containsExactly(7.625f, 1.875f);
        assertThat(value(c, 0, 0, 2)).containsExactly(8.625f, 1.875f);
        assertThat(value(c, 0, 0, 3)).containsExactly(7f, 1f);
        assertThat(value(c, 0, 0, 0)).containsExactly(0f, 1f);
        for (int s = 0; s < 6; s++) assertThat(key(c, 0, 0, s)).containsExactly(1f, 0f);
    }

    @Test
    void camOfficialDrawsAreSeededOnePerEvictedToken() {
        // a3 = 1: p3 = 1 / mean(3, 1) = .5, the others as above; merged iff the third draw of (seed, 0, 0) is < .5
        // merged: V'4 = v4 + (V'2 + V'3)/2 = (7.625, 2.875), V5 = v5 + (V'3 + V'4)/2 = (11.1875, 3.5625)
        int mergedCount = 0;
        for (int seed = 0; seed < 8; seed++) {
            KvCache c = camWindow(1f, "seed", Integer.toString(seed));
            boolean merged3 = thirdDrawBelow(seed, 0.5);
            assertThat(value(c, 0, 0, 1)).as("seed %d", seed).containsExactly(merged3 ? new float[] {11.1875f, 3.5625f} : new float[] {7.625f, 1.875f});
            if (merged3) mergedCount++;
        }
        assertThat(mergedCount).as("both outcomes occur over the seeds").isBetween(1, 7);
    }

    @Test
    void camMergesEvictedValuesIntoTheNextKeptTokens() {
        // e = 1: targets {2, 3}, p = 0 / mean(8, 10) = 0 → kept out
        // e = 4: targets {7, 8}, p = 3 / mean(2, 2.5) > 1 → merged;  e = 5: p = 2.25 / 2.25 = 1 → merged
        // e = 6: p = 0.  So V7 = v7 + (v4 + v5)/2, V8 = v8 + (v4 + v5)/2
        KvCache c = cam(2.25f);
        assertThat(value(c, 0, 0, 3)).containsExactly(7 + 4.5f, 2f);
        assertThat(value(c, 0, 0, 4)).containsExactly(8 + 4.5f, 2f);
        assertThat(value(c, 0, 0, 5)).containsExactly(9f, 1f);
        assertThat(value(c, 0, 0, 0)).containsExactly(0f, 1f);
        // keys are never merged
        for (int s = 0; s < 6; s++) assertThat(key(c, 0, 0, s)).containsExactly(1f, 0f);
    }

    @Test
    void camBernoulliIsSeeded() {
        // a5 = 1.125 → p5 = 1.125 / 2.25 = .5: merged iff the third draw (e = 1, 4, 5, 6) of the (seed, 0, 0) stream is < .5
        int mergedCount = 0;
        for (int seed = 0; seed < 8; seed++) {
            KvCache c = cam(1.125f, "seed", Integer.toString(seed));
            boolean merged5 = thirdDrawBelow(seed, 0.5);
            float expected = 7 + 4 / 2f + (merged5 ? 5 / 2f : 0);
            assertThat(value(c, 0, 0, 3)[0]).as("seed %d", seed).isEqualTo(expected);
            if (merged5) mergedCount++;
        }
        assertThat(mergedCount).as("both outcomes occur over the seeds").isBetween(1, 7);
    }

    @Test
    void camMaxReference() {
        // reference = max(2, 2.5) = 2.5 → p5 = 2.25 / 2.5 = .9 (mean reference: 1)
        for (int seed = 0; seed < 8; seed++) {
            KvCache c = cam(2.25f, "reference", "max", "seed", Integer.toString(seed));
            boolean merged5 = thirdDrawBelow(seed, 0.9);
            assertThat(value(c, 0, 0, 3)[0]).isEqualTo(7 + 2f + (merged5 ? 2.5f : 0));
        }
    }

    /**
     * DynamicKV-merge, one layer, T = 8, window 2 (6, 7), C = 4: keeps 1 and 4 by score.
     * Keys: k0 (1,0) k1 (1,.1) k2 (0,1) k3 (0,−1) k4 (.1,1) k5 (1,1) k6 (1,.9) k7 (−1,0)
     * e = 0 → 1 (cos .995); e = 2 → 4 (cos .995 vs .0995); e = 3 → best cos −.0995 ≤ .75: dropped;
     * e = 5 → 6 (cos .9986 vs .774).
     */
    @Test
    void dynamicKvMergeFoldsEvictedTokensIntoTheirMostSimilarKeptNeighbour() {
        float[][] keys = {{1, 0}, {1, 0.1f}, {0, 1}, {0, -1}, {0.1f, 1}, {1, 1}, {1, 0.9f}, {-1, 0}};
        KvCache c = cache(1, 1, 2, 8, (l, h, j) -> keys[j].clone(), (l, h, j) -> vec(j, 1));
        float[] v = padded(8, 0.1f, 0.5f, 0.05f, 0.02f, 0.4f, 0.01f);
        CompressionReport r = press("dynamickv-merge", "window", "2", "kernel", "1", "sigma", "0.1")
                .compress(c, same(windowStats(1, 2, new float[][] {v})), Budget.tokensPerHead(4));
        assertThat(positions(c, 0, 0)).containsExactly(1, 4, 6, 7);
        // every pair is at squared distance .01: g = exp(−.01 / (2·.01)) = exp(−.5) for the absorbed token, 1 for the kept one
        double g = Math.exp(-0.5), wk = 1 / (1 + g), we = g / (1 + g);
        assertThat(key(c, 0, 0, 0)).containsExactly(new float[] {1, (float) (0.1 * wk)}, within(1e-6f));
        assertThat(value(c, 0, 0, 0)).containsExactly(new float[] {(float) wk, 1}, within(1e-6f));
        assertThat(key(c, 0, 0, 1)).containsExactly(new float[] {(float) (0.1 * wk), 1}, within(1e-6f));
        assertThat(value(c, 0, 0, 1)).containsExactly(new float[] {(float) (4 * wk + 2 * we), 1}, within(1e-6f));
        assertThat(key(c, 0, 0, 2)).containsExactly(new float[] {1, (float) (0.9 * wk + we)}, within(1e-6f));
        assertThat(value(c, 0, 0, 2)).containsExactly(new float[] {(float) (6 * wk + 5 * we), 1}, within(1e-6f));
        assertThat(key(c, 0, 0, 3)).containsExactly(-1f, 0f);
        // mass-aware: each merged slot stands for 2 tokens; token 3 was dropped
        assertThat(new float[] {c.head(0, 0).mass(0), c.head(0, 0).mass(1), c.head(0, 0).mass(2), c.head(0, 0).mass(3)}).containsExactly(2, 2, 2, 1);
        assertThat(r.details()).containsEntry("merged", "3");
    }
}
