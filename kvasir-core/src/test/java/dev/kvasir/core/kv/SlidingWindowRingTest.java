package dev.kvasir.core.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The ring of a sliding-window layer: what it holds after chunks and single tokens, its memory, and rollback. */
class SlidingWindowRingTest {
    static final int WINDOW = 8, DIM = 4;

    /** Feeds positions [pos0, pos0+batch) as the model does: before, put each, after. Key component 0 = position. */
    static void feed(HeadCache h, int pos0, int batch) {
        SlidingWindowRing.beforeChunk(h, WINDOW, pos0, batch);
        for (int p = pos0; p < pos0 + batch; p++) {
            float[] kv = {p, 0, 0, 0};
            if (batch == 1) SlidingWindowRing.put(h, WINDOW, kv, 0, kv, 0, p);
            else h.append(kv, 0, kv, 0, p);
        }
        SlidingWindowRing.afterChunk(h, WINDOW);
    }

    static int[] sortedPositions(HeadCache h) {
        int[] p = h.positions();
        Arrays.sort(p);
        return p;
    }

    static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }

    @Test
    void aChunkPastTheWindowHoldsInPositionOrderTheTokensTheChunksLastTokenNeedsBeforeTheCut() {
        HeadCache h = new HeadCache(KvPrecision.F32, DIM, 4);
        SlidingWindowRing.beforeChunk(h, WINDOW, 0, 5);
        for (int p = 0; p < 5; p++) h.append(new float[] {p, 0, 0, 0}, 0, new float[DIM], 0, p);
        SlidingWindowRing.afterChunk(h, WINDOW);
        // a chunk of 6 at position 5: the first sees 5-7..5 (all earlier slots), so all stay; then 11 slots, cut to 8
        SlidingWindowRing.beforeChunk(h, WINDOW, 5, 6);
        assertThat(h.size()).isEqualTo(5);
        for (int p = 5; p < 11; p++) h.append(new float[] {p, 0, 0, 0}, 0, new float[DIM], 0, p);
        assertThat(h.positions()).containsExactly(range(0, 11));
        SlidingWindowRing.afterChunk(h, WINDOW);
        assertThat(h.positions()).containsExactly(range(3, 11));
        assertThat(h.keys().capacity()).isEqualTo(WINDOW);
    }

    @Test
    void decodeOverwritesTheSlotOfTheTokenThatLeftTheWindowAndNeverGrows() {
        HeadCache h = new HeadCache(KvPrecision.F32, DIM, 4);
        feed(h, 0, 20);
        long bytes = h.bytes();
        for (int p = 20; p < 45; p++) {
            feed(h, p, 1);
            assertThat(h.size()).isEqualTo(WINDOW);
            assertThat(sortedPositions(h)).containsExactly(range(p - WINDOW + 1, p + 1));
            float[] k = new float[DIM];
            for (int s = 0; s < h.size(); s++) {
                h.keys().get(s, k, 0);
                assertThat(k[0]).isEqualTo((float) h.position(s)); // each slot's key is its position's
            }
        }
        assertThat(h.bytes()).isEqualTo(bytes);
        // a chunk after ring decoding: back to position order, the window of the chunk's first token kept
        SlidingWindowRing.beforeChunk(h, WINDOW, 45, 3);
        assertThat(h.positions()).containsExactly(range(45 - WINDOW + 1, 45));
    }

    @Test
    void decodeFromAnEmptyRingGrowsToTheWindowAndNoFurther() {
        HeadCache h = new HeadCache(KvPrecision.F32, DIM, 1);
        for (int p = 0; p < 30; p++) feed(h, p, 1);
        assertThat(h.keys().capacity()).isEqualTo(WINDOW);
        assertThat(sortedPositions(h)).containsExactly(range(22, 30));
    }

    @Test
    void rollsBackWhileTheWindowIsHeldAndSaysWhyWhenItIsNot() {
        HeadCache h = new HeadCache(KvPrecision.F32, DIM, 4);
        feed(h, 0, 6);
        SlidingWindowRing.rollBack(h, WINDOW, 4);
        assertThat(h.positions()).containsExactly(0, 1, 2, 3);
        feed(h, 4, 20);
        assertThatThrownBy(() -> SlidingWindowRing.rollBack(h, WINDOW, 10))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("position 10");
    }

    @Test
    void aCacheMarkRestoresLocalRingsThatLaterTokensOverwrote() {
        KvCache c = new KvCache(2, 1, DIM, KvPrecision.F32, 4, WINDOW, new boolean[] {true, false});
        feed(c.head(0, 0), 0, 12);
        for (int p = 0; p < 12; p++) c.head(1, 0).append(new float[DIM], 0, new float[DIM], 0, p);
        c.advance(12);
        KvCache.Mark mark = c.mark();
        feed(c.head(0, 0), 12, 10);
        for (int p = 12; p < 22; p++) c.head(1, 0).append(new float[DIM], 0, new float[DIM], 0, p);
        c.advance(10);
        c.restore(mark);
        assertThat(c.nextPosition()).isEqualTo(12);
        assertThat(sortedPositions(c.head(0, 0))).containsExactly(range(4, 12));
        assertThat(c.head(1, 0).size()).isEqualTo(12);
        // the compressible view is the global layer alone
        KvCache view = c.compressibleView();
        assertThat(view.layers()).isEqualTo(1);
        assertThat(view.modelLayer(0)).isEqualTo(1);
        assertThat(view.head(0, 0)).isSameAs(c.head(1, 0));
        assertThat(c.fullBytes(100)).isEqualTo(2L * (100 + WINDOW) * DIM * 4);
    }

    /** A key whose 32 components are position + i/32: every block quantises it to within a step, whatever the store. */
    static float[] key(int position) {
        float[] k = new float[QDIM];
        for (int i = 0; i < QDIM; i++) k[i] = position + i / (float) QDIM;
        return k;
    }

    static final int QDIM = KvPrecision.BLOCK;

    static void feedQ(HeadCache h, int pos0, int batch) {
        SlidingWindowRing.beforeChunk(h, WINDOW, pos0, batch);
        for (int p = pos0; p < pos0 + batch; p++) {
            if (batch == 1) SlidingWindowRing.put(h, WINDOW, key(p), 0, key(p), 0, p);
            else h.append(key(p), 0, key(p), 0, p);
        }
        SlidingWindowRing.afterChunk(h, WINDOW);
    }

    /** Slot s holds the key of its own position, read back through the store (a quantised store to within its steps). */
    static void assertEachSlotHoldsItsPosition(HeadCache h) {
        float[] k = new float[QDIM], v = new float[QDIM];
        for (int s = 0; s < h.size(); s++) {
            int p = h.position(s);
            h.keys().get(s, k, 0);
            h.values().get(s, v, 0);
            // Q4 has 16 levels over ±max: a step of max/8 (plus the F16 scale's rounding)
            float tolerance = Math.max(1e-3f, (p + 1) / 7f);
            assertThat(k[QDIM - 1]).as("key of slot %d (position %d)", s, p).isCloseTo(p + (QDIM - 1) / (float) QDIM, within(tolerance));
            assertThat(v[QDIM - 1]).as("value of slot %d (position %d)", s, p).isCloseTo(p + (QDIM - 1) / (float) QDIM, within(tolerance));
        }
    }

    @ParameterizedTest
    @EnumSource(KvPrecision.class)
    void theRingOverwritesSlotsInPlaceInEveryStore(KvPrecision precision) {
        HeadCache h = new HeadCache(precision, precision, QDIM, 4);
        feedQ(h, 0, 20);
        long bytes = h.bytes();
        for (int p = 20; p < 45; p++) {
            feedQ(h, p, 1);
            assertThat(sortedPositions(h)).containsExactly(range(p - WINDOW + 1, p + 1));
            assertEachSlotHoldsItsPosition(h);
        }
        assertThat(h.keys().precision()).isEqualTo(precision);
        assertThat(h.bytes()).isEqualTo(bytes);
    }

    @Test
    void storeAsReStoresTheLocalRingsAndTheMarkCopyViewAndClearKeepBothPrecisions() {
        boolean[] local = {true, false};
        KvCache c = new KvCache(2, 1, QDIM, KvPrecision.F16, KvPrecision.F16, 4, WINDOW, local);
        feedQ(c.head(0, 0), 0, 12);
        for (int p = 0; p < 12; p++) c.head(1, 0).append(key(p), 0, key(p), 0, p);
        c.advance(12);
        KvCache.Mark staged = c.mark();
        c.storeAs(KvPrecision.Q8, KvPrecision.Q4);
        for (int l = 0; l < 2; l++) {
            assertThat(c.head(l, 0).keys()).as("keys of layer %d", l).isInstanceOf(Q8Store.class);
            assertThat(c.head(l, 0).values()).as("values of layer %d", l).isInstanceOf(Q4Store.class);
            assertEachSlotHoldsItsPosition(c.head(l, 0));
        }
        assertThat(c.precisionLabel()).isEqualTo("k=q8,v=q4");
        // a mark of the F16 cache would bring F16 rings back into a quantised cache: refused, with the reason
        assertThatThrownBy(() -> c.restore(staged)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("f16").hasMessageContaining("k=q8,v=q4");

        KvCache.Mark mark = c.mark();
        KvCache copy = c.copy();
        feedQ(c.head(0, 0), 12, 1); // decode on the quantised ring
        feedQ(c.head(0, 0), 13, 1);
        assertEachSlotHoldsItsPosition(c.head(0, 0));
        c.restore(mark);
        assertThat(sortedPositions(c.head(0, 0))).containsExactly(range(4, 12));
        assertThat(c.head(0, 0).keys()).isInstanceOf(Q8Store.class);
        assertThat(c.head(0, 0).values()).isInstanceOf(Q4Store.class);

        assertThat(copy.precisionLabel()).isEqualTo("k=q8,v=q4");
        assertThat(copy.isLocal(0)).isTrue();
        assertThat(copy.head(0, 0).values()).isInstanceOf(Q4Store.class);
        KvCache view = c.compressibleView();
        assertThat(view.keyPrecision()).isEqualTo(KvPrecision.Q8);
        assertThat(view.valuePrecision()).isEqualTo(KvPrecision.Q4);
        assertThatThrownBy(() -> view.storeAs(KvPrecision.F32, KvPrecision.F32)).isInstanceOf(IllegalStateException.class);
        // keys: 32 values + one F16 scale; values: 16 bytes of nibbles + one scale
        assertThat(c.fullBytes(100)).isEqualTo((100L + WINDOW) * (34 + 18));

        c.clear();
        assertThat(c.head(0, 0).keys()).isInstanceOf(Q8Store.class);
        assertThat(c.head(1, 0).values()).isInstanceOf(Q4Store.class);
        assertThat(c.isLocal(0)).isTrue();
    }
}
