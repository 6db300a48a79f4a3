package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;
import org.junit.jupiter.api.Test;

import static dev.kvasir.core.press.PressFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/** SnapKV, H2O, TOVA, StreamingLLM, KNorm, random: hand-built caches, answers computed by hand. */
class PressSelectionTest {

    @Test
    void snapKvKeepsPlantedPeaksPlusWindow() {
        // T = 20, window w = 4 (slots 16..19), no pooling; peaks at 3 (0.5) and 10 (0.4) over a 0.01 floor
        KvCache c = plain(1, 1, 4, 20);
        AttentionStats st = windowStats(1, 4, new float[][] {row(20, 0.01f, 3, 0.5f, 10, 0.4f)});
        CompressionReport r = press("snapkv", "window", "4", "kernel", "1").compress(c, same(st), Budget.tokensPerHead(6));
        assertThat(positions(c, 0, 0)).containsExactly(3, 10, 16, 17, 18, 19);
        assertThat(r.keptPerHead()[0]).containsExactly(6);
        assertThat(r.achievedFraction()).isEqualTo(6 / 20.0);
        // values travel with their keys: slot 1 is token 10
        assertThat(value(c, 0, 0, 1)[0]).isEqualTo(10f);
    }

    /** v over the prefix [0,16): a cluster at 5–6 and an isolated, higher peak at 12; window = 16, 17. */
    private static AttentionStats clusterVersusPeak() {
        float[] v = row(18, 0.01f, 4, 0.02f, 5, 0.30f, 6, 0.26f, 12, 0.40f);
        return windowStats(1, 2, new float[][] {v});
    }

    @Test
    void snapKvWithoutPoolingTakesTheTwoHighestTokens() {
        KvCache c = plain(1, 1, 2, 18);
        press("snapkv", "window", "2", "kernel", "1").compress(c, same(clusterVersusPeak()), Budget.tokensPerHead(4));
        assertThat(positions(c, 0, 0)).containsExactly(5, 12, 16, 17);
    }

    @Test
    void snapKvAvgPoolingPrefersTheCluster() {
        // avg-pool k = 3 (zero padding, /3): ŝ5 = (.02+.30+.26)/3 = .1933, ŝ6 = (.30+.26+.01)/3 = .19, ŝ12 = (.01+.40+.01)/3 = .14
        KvCache c = plain(1, 1, 2, 18);
        press("snapkv", "window", "2", "kernel", "3", "pooling", "avg").compress(c, same(clusterVersusPeak()), Budget.tokensPerHead(4));
        assertThat(positions(c, 0, 0)).containsExactly(5, 6, 16, 17);
    }

    @Test
    void snapKvMaxPoolingSpreadsPeaksToNeighbours() {
        // max-pool k = 3: ŝ11 = ŝ12 = ŝ13 = .40; ŝ4 = ŝ5 = ŝ6 = .30 (ties: later first), ŝ7 = .26
        KvCache c = plain(1, 1, 2, 18);
        press("snapkv", "window", "2", "kernel", "3", "pooling", "max").compress(c, same(clusterVersusPeak()), Budget.tokensPerHead(5));
        assertThat(positions(c, 0, 0)).containsExactly(11, 12, 13, 16, 17);
        KvCache c2 = plain(1, 1, 2, 18);
        press("snapkv", "window", "2", "kernel", "3", "pooling", "max").compress(c2, same(clusterVersusPeak()), Budget.tokensPerHead(7));
        assertThat(positions(c2, 0, 0)).containsExactly(5, 6, 11, 12, 13, 16, 17);
    }

    @Test
    void gqaAggregatesTheQueryGroupIntoOneSelectionPerKvHead() {
        // one KV head, three query heads: q0 peaks at 2 (.9), q1 and q2 at 7 (.5)
        // mean: ŝ2 = (.9+.01+.01)/3 = .3067 < ŝ7 = (.01+.5+.5)/3 = .3367;  max: ŝ2 = .9 > ŝ7 = .5
        float[][] v = {row(12, 0.01f, 2, 0.9f), row(12, 0.01f, 7, 0.5f), row(12, 0.01f, 7, 0.5f)};
        AttentionStats st = windowStats(1, 2, v);
        for (String[] agg : new String[][] {{"mean", "7"}, {"sum", "7"}, {"max", "2"}}) {
            KvCache c = plain(1, 1, 2, 12);
            press("snapkv", "window", "2", "kernel", "1", "gqa", agg[0]).compress(c, same(st), Budget.tokensPerHead(3));
            assertThat(positions(c, 0, 0)).as(agg[0]).containsExactly(Integer.parseInt(agg[1]), 10, 11);
        }
        // two KV heads of two query heads each: each KV head follows its own group
        float[][] v4 = {row(12, 0.01f, 1, 0.9f), row(12, 0.01f, 1, 0.5f), row(12, 0.01f, 8, 0.9f), row(12, 0.01f, 8, 0.5f)};
        KvCache c = plain(1, 2, 2, 12);
        press("snapkv", "window", "2", "kernel", "1").compress(c, same(windowStats(2, 2, v4)), Budget.tokensPerHead(3));
        assertThat(positions(c, 0, 0)).containsExactly(1, 10, 11);
        assertThat(positions(c, 0, 1)).containsExactly(8, 10, 11);
    }

    private static final float[] H2O_COLUMNS = {5.0f, 0.1f, 0.2f, 3.0f, 0.1f, 0.4f, 2.1f, 0.3f, 1.5f, 0.1f, 0.1f, 0.1f};

    @Test
    void h2oKeepsRecentHalfAndHeavyHitters() {
        // C = 6: recent 3 (9, 10, 11) + heavy 3 among [0, 9) by raw sum: 5.0 (0), 3.0 (3), 2.1 (6)
        KvCache c = plain(1, 1, 2, 12);
        press("h2o").compress(c, same(columnStats(1, new float[][] {H2O_COLUMNS})), Budget.tokensPerHead(6));
        assertThat(positions(c, 0, 0)).containsExactly(0, 3, 6, 9, 10, 11);
    }

    @Test
    void h2oNormalisedDividesByQueriesSeen() {
        // a_j / (12 − j): .417 (0), .333 (3), .35 (6), .375 (8) → heavy {0, 8, 6}
        KvCache c = plain(1, 1, 2, 12);
        press("h2o", "score", "normalised").compress(c, same(columnStats(1, new float[][] {H2O_COLUMNS})), Budget.tokensPerHead(6));
        assertThat(positions(c, 0, 0)).containsExactly(0, 6, 8, 9, 10, 11);
    }

    @Test
    void h2oWithAbsoluteWindow() {
        // window 2 (10, 11) + heavy 4 among [0, 10): 0, 3, 6, 8
        KvCache c = plain(1, 1, 2, 12);
        press("h2o", "window", "2").compress(c, same(columnStats(1, new float[][] {H2O_COLUMNS})), Budget.tokensPerHead(6));
        assertThat(positions(c, 0, 0)).containsExactly(0, 3, 6, 8, 10, 11);
    }

    @Test
    void h2oDecodeAccumulatesAndEvictsEveryStep() {
        KvCache c = plain(1, 1, 2, 6);
        Press p = press("h2o");
        // prefill: C = 4, recent {4, 5}, heavy {0 (4.0), 2 (3.0)}; accumulated scores [4, 3, 1, 1]
        p.compress(c, same(columnStats(1, new float[][] {{4, 1, 3, 0.5f, 1, 1}})), Budget.tokensPerHead(4));
        assertThat(positions(c, 0, 0)).containsExactly(0, 2, 4, 5);
        DecodePress d = p.decode().orElseThrow();
        // step 1: token 6 arrives; scores += [.1, .5, .1, .1, .2] → [4.1, 3.5, 1.1, 1.1, .2]
        appendToken(c, 6);
        d.afterDecodeStep(c, l -> new float[][] {{0.1f, 0.5f, 0.1f, 0.1f, 0.2f}});
        // keep recent 2 (5, 6) + top 2 of older {0: 4.1, 2: 3.5, 4: 1.1}
        assertThat(positions(c, 0, 0)).containsExactly(0, 2, 5, 6);
        // step 2: token 7; scores [4.1, 3.5, 1.1, .2, 0] += [.01, .01, 3.0, .5, .1] → [4.11, 3.51, 4.1, .7, .1]
        appendToken(c, 7);
        d.afterDecodeStep(c, l -> new float[][] {{0.01f, 0.01f, 3.0f, 0.5f, 0.1f}});
        // recent (6, 7) + top 2 of {0: 4.11, 2: 3.51, 5: 4.1} → 0 and 5
        assertThat(positions(c, 0, 0)).containsExactly(0, 5, 6, 7);
    }

    @Test
    void decodeIntervalCutsEveryNSteps() {
        KvCache c = plain(1, 1, 2, 20);
        Press p = press("streaming-llm", "decode-interval", "2");
        p.compress(c, l -> null, Budget.tokensPerHead(8));
        DecodePress d = p.decode().orElseThrow();
        appendToken(c, 20);
        d.afterDecodeStep(c, l -> { throw new AssertionError("streaming needs no rows"); });
        assertThat(c.head(0, 0).size()).isEqualTo(9);
        appendToken(c, 21);
        d.afterDecodeStep(c, l -> null);
        assertThat(positions(c, 0, 0)).containsExactly(0, 1, 2, 3, 18, 19, 20, 21);
    }

    @Test
    void streamingLlmKeepsSinksAndRecent() {
        KvCache c = plain(2, 2, 2, 20);
        Press p = press("streaming-llm");
        assertThat(p.statsRequest(2, 2, 2, 20).any()).isFalse();
        p.compress(c, l -> null, Budget.tokensPerHead(8));
        for (int l = 0; l < 2; l++) for (int h = 0; h < 2; h++) assertThat(positions(c, l, h)).containsExactly(0, 1, 2, 3, 16, 17, 18, 19);
        // decode (maxTokens = C = 8): the oldest non-sink token leaves
        appendToken(c, 20);
        p.decode().orElseThrow().afterDecodeStep(c, l -> null);
        assertThat(positions(c, 1, 1)).containsExactly(0, 1, 2, 3, 17, 18, 19, 20);
        KvCache c2 = plain(1, 1, 2, 20);
        press("streaming-llm", "sinks", "2").compress(c2, l -> null, Budget.tokensPerHead(8));
        assertThat(positions(c2, 0, 0)).containsExactly(0, 1, 14, 15, 16, 17, 18, 19);
    }

    /** Last rows of four query heads (two KV heads of two). Layer mean: .15 .05 .1625 .1875 .075 .0975 .175 .1 */
    private static AttentionStats tovaRows() {
        float[][] v = {
                {0.40f, 0.10f, 0.05f, 0.05f, 0.10f, 0.10f, 0.10f, 0.10f},
                {0.00f, 0.10f, 0.30f, 0.05f, 0.05f, 0.19f, 0.20f, 0.10f},
                {0.00f, 0.00f, 0.10f, 0.60f, 0.10f, 0.00f, 0.10f, 0.10f},
                {0.20f, 0.00f, 0.20f, 0.05f, 0.05f, 0.10f, 0.30f, 0.10f}};
        return windowStats(2, 1, v);
    }

    @Test
    void tovaKeepsHighestLastQueryAttentionSharedAcrossTheLayer() {
        KvCache c = plain(1, 2, 2, 8);
        Press p = press("tova");
        assertThat(p.statsRequest(1, 4, 2, 8)).isEqualTo(new StatsRequest(false, 1));
        p.compress(c, same(tovaRows()), Budget.tokensPerHead(4));
        // last token 7 protected + top 3 of the layer mean: 3 (.1875), 6 (.175), 2 (.1625)
        assertThat(positions(c, 0, 0)).containsExactly(2, 3, 6, 7);
        assertThat(positions(c, 0, 1)).containsExactly(2, 3, 6, 7);
        // decode: token 8; rows over [2, 3, 6, 7, 8]; mean [.5, .1, .2, .05, .15] → keep 8 + {2, 6, 3}
        appendToken(c, 8);
        float[][] rows = {{0.5f, 0.1f, 0.1f, 0.1f, 0.2f}, {0.5f, 0.1f, 0.1f, 0.1f, 0.2f}, {0.5f, 0.1f, 0.3f, 0f, 0.1f}, {0.5f, 0.1f, 0.3f, 0f, 0.1f}};
        p.decode().orElseThrow().afterDecodeStep(c, l -> rows);
        assertThat(positions(c, 0, 0)).containsExactly(2, 3, 6, 8);
        assertThat(positions(c, 0, 1)).containsExactly(2, 3, 6, 8);
    }

    @Test
    void tovaPerKvHeadWhenNotShared() {
        // KV0 = mean(q0, q1): .2 .1 .175 .05 .075 .145 .15 .1 → {0, 2, 6};  KV1 = mean(q2, q3): → {3, 6, 2}
        KvCache c = plain(1, 2, 2, 8);
        press("tova", "shared", "false").compress(c, same(tovaRows()), Budget.tokensPerHead(4));
        assertThat(positions(c, 0, 0)).containsExactly(0, 2, 6, 7);
        assertThat(positions(c, 0, 1)).containsExactly(2, 3, 6, 7);
    }

    @Test
    void knormKeepsLowNormKeys() {
        float[] norms = {3, 1, 2, 0.5f, 4, 1.5f};
        KvCache c = cache(1, 1, 2, 6, (l, h, j) -> vec(0, norms[j]), ids(2));
        Press p = press("knorm");
        assertThat(p.statsRequest(1, 1, 1, 6).any()).isFalse();
        p.compress(c, l -> null, Budget.tokensPerHead(3));
        assertThat(positions(c, 0, 0)).containsExactly(1, 3, 5);
    }

    @Test
    void randomIsSeededAndMeetsTheBudget() {
        int[][] runs = new int[3][];
        String[] seeds = {"7", "7", "8"};
        for (int i = 0; i < 3; i++) {
            KvCache c = plain(1, 1, 2, 100);
            press("random", "seed", seeds[i]).compress(c, l -> null, Budget.fraction(0.3));
            runs[i] = positions(c, 0, 0);
            assertThat(runs[i]).hasSize(30);
        }
        assertThat(runs[0]).isEqualTo(runs[1]);
        assertThat(runs[0]).isNotEqualTo(runs[2]);
    }

    @Test
    void shortPromptsAreLeftAlone() {
        KvCache c = plain(1, 1, 2, 10);
        KvCache before = copy(c);
        CompressionReport r = press("snapkv").compress(c, same(windowStats(1, 32, new float[][] {row(10, 0.1f)})), Budget.tokensPerHead(10));
        assertSameCache(c, before);
        assertThat(r.achievedFraction()).isEqualTo(1.0);
        assertThat(r.details()).containsKey("note");
    }

    static void appendToken(KvCache c, int position) {
        for (int l = 0; l < c.layers(); l++) for (int h = 0; h < c.kvHeads(); h++) c.head(l, h).append(unit(c.headDim()), 0, ids(c.headDim()).at(l, h, position), 0, position);
        c.advance(1);
    }
}
