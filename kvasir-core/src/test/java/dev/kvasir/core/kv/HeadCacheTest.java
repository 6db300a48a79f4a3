package dev.kvasir.core.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class HeadCacheTest {
    static float[] vec(float base, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) v[i] = base + i * 0.25f;
        return v;
    }

    @ParameterizedTest
    @EnumSource(KvPrecision.class)
    void appendGrowsAndRetainKeepsChosenSlotsInPositionOrder(KvPrecision precision) {
        int dim = 64;
        HeadCache h = new HeadCache(precision, dim, 2);
        for (int p = 0; p < 100; p++) h.append(vec(p, dim), 0, vec(-p, dim), 0, p);
        assertThat(h.size()).isEqualTo(100);
        h.retain(new int[] {90, 3, 50, 0}, 4, 0);
        assertThat(h.positions()).containsExactly(0, 3, 50, 90);
        float[] k = new float[dim], v = new float[dim];
        h.keys().get(2, k, 0);
        h.values().get(2, v, 0);
        // Q4's step is max|x| / 8 = 8.2 here (values 50 .. 65.75); KIVI's keys of channel 1 span 32.25 .. 63.25 over
        // their group of 32 tokens, half a step is 31 / 15 / 2 (kivi4) or 31 / 3 / 2 (kivi2)
        float tolerance = switch (precision) { case F32 -> 0f; case Q4 -> 8.3f; case KIVI4 -> 1.04f; case KIVI2 -> 5.2f; default -> 0.5f; };
        assertThat(k[1]).isCloseTo(50.25f, within(tolerance));
        assertThat(v[0]).isCloseTo(-50f, within(tolerance));
        // memory is really released: capacity shrinks to the kept slots
        assertThat(h.keys().capacity()).isEqualTo(4);
        // a KIVI key store also keeps the scales and zero points of the three groups the survivors came from
        long groups = precision.kivi() ? 3 * (4L * dim + 8) : 0;
        assertThat(h.bytes()).isLessThan(2L * 8 * precision.bytesPerVector(dim) + 64 + groups);
    }

    /** The bulk conversion decode attention uses gives exactly what slot-by-slot reads give, tails included. */
    @ParameterizedTest
    @EnumSource(KvPrecision.class)
    void getRangeEqualsSlotBySlotGet(KvPrecision precision) {
        java.util.Random r = new java.util.Random(11);
        for (int dim : new int[] {64, 48, 5}) for (VectorStore.Role role : VectorStore.Role.values()) {
            VectorStore s = VectorStore.create(precision, role, dim, 40); // KIVI: 32 slots quantised, 8 in the F16 window
            for (int slot = 0; slot < 40; slot++) {
                float[] v = new float[dim];
                for (int i = 0; i < dim; i++) v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
                s.put(slot, v, 0);
            }
            for (int[] range : new int[][] {{0, 40}, {7, 13}, {39, 1}, {5, 0}}) {
                float[] bulk = new float[range[1] * dim + 3], single = new float[range[1] * dim + 3];
                s.getRange(range[0], range[1], bulk, 3);
                for (int j = 0; j < range[1]; j++) s.get(range[0] + j, single, 3 + j * dim);
                assertThat(bulk).as("%s dim %d slots %d+%d", precision, dim, range[0], range[1]).isEqualTo(single);
            }
        }
    }

    @Test
    void reserveMakesExactlyTheRoomAskedForAndKeepsTheSlots() {
        HeadCache h = new HeadCache(KvPrecision.F32, 4, 4);
        for (int p = 0; p < 6; p++) h.append(vec(p, 4), 0, vec(-p, 4), 0, p);
        h.retain(new int[] {1, 4, 5}, 3, 2); // capacity 5
        h.reserve(10);
        assertThat(h.keys().capacity()).isEqualTo(13); // exactly 3 + 10, not a growth factor
        h.reserve(4); // already room: nothing changes
        assertThat(h.keys().capacity()).isEqualTo(13);
        assertThat(h.positions()).containsExactly(1, 4, 5);
        float[] k = new float[4];
        h.keys().get(2, k, 0);
        assertThat(k).containsExactly(vec(5, 4));
        for (int p = 6; p < 16; p++) h.append(vec(p, 4), 0, vec(-p, 4), 0, p);
        assertThat(h.keys().capacity()).as("the reserved tokens fit without growing").isEqualTo(13);
        assertThatThrownBy(() -> h.reserve(-1)).hasMessageContaining("-1");
    }

    @Test
    void retainRejectsDuplicatesAndMissingSlots() {
        HeadCache h = new HeadCache(KvPrecision.F32, 4, 4);
        for (int p = 0; p < 4; p++) h.append(vec(p, 4), 0, vec(p, 4), 0, p);
        assertThatThrownBy(() -> h.retain(new int[] {1, 1}, 2, 0)).hasMessageContaining("kept twice");
        assertThatThrownBy(() -> h.retain(new int[] {7}, 1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void massFollowsRetainedSlots() {
        HeadCache h = new HeadCache(KvPrecision.F32, 4, 4);
        for (int p = 0; p < 5; p++) h.append(vec(p, 4), 0, vec(p, 4), 0, p);
        assertThat(h.massOrNull()).isNull();
        h.setMass(2, 3f);
        h.retain(new int[] {2, 4}, 2, 8);
        assertThat(h.mass(0)).isEqualTo(3f);
        assertThat(h.mass(1)).isEqualTo(1f);
        int s = h.append(vec(9, 4), 0, vec(9, 4), 0, 9);
        assertThat(h.mass(s)).isEqualTo(1f);
    }

    @Test
    void cacheReportsBytesAndTruncates() {
        KvCache c = new KvCache(2, 3, 8, KvPrecision.F16, 4);
        for (int p = 0; p < 10; p++) {
            for (int l = 0; l < 2; l++) for (int h = 0; h < 3; h++) c.head(l, h).append(vec(p, 8), 0, vec(p, 8), 0, p);
            c.advance(1);
        }
        assertThat(c.usedBytes()).isEqualTo(c.fullBytes(10)).isEqualTo(2L * 10 * 2 * 3 * 8 * 2);
        c.truncate(4, 4);
        assertThat(c.nextPosition()).isEqualTo(4);
        assertThat(c.slotsPerLayer()).containsExactly(12, 12);
    }

    @Test
    void bf16RoundsToNearestEven() {
        HeadCache h = new HeadCache(KvPrecision.BF16, 16, 1);
        float[] k = new float[16];
        k[0] = 1.00390625f; // exactly between two bf16 values: rounds to even (1.0)
        k[1] = 3.14159f;
        h.append(k, 0, k, 0, 0);
        float[] out = new float[16];
        h.keys().get(0, out, 0);
        assertThat(out[0]).isEqualTo(1.0f);
        assertThat(out[1]).isCloseTo(3.14159f, within(0.02f));
        float[] q = new float[16];
        q[1] = 2;
        assertThat(h.keys().dot(0, q, 0)).isCloseTo(2 * out[1], within(1e-6f));
    }
}
