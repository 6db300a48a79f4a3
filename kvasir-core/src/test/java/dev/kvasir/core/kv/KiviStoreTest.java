package dev.kvasir.core.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * KIVI's stores: the error bound of asymmetric quantisation per key channel group and per value
 * token group, the integer kernels against float arithmetic on the dequantised values, eviction
 * without requantising, the F16 residual window, slots overwritten in place and rolled back, and
 * the bytes they hold.
 */
class KiviStoreTest {
    /** Whole blocks (the vector kernels), a short last block, a single short block (the scalar path). */
    static final int[] DIMS = {64, 128, 96, 48, 8};
    static final int G = KvPrecision.BLOCK;

    static float[] randomVector(Random r, int dim) {
        float[] v = new float[dim];
        double magnitude = Math.pow(10, r.nextInt(4) - 2); // 0.01 .. 10
        double shift = r.nextInt(3) == 0 ? r.nextGaussian() * 5 * magnitude : 0; // groups away from zero: the zero point matters
        for (int i = 0; i < dim; i++) v[i] = (float) (r.nextGaussian() * magnitude + shift);
        if (r.nextInt(4) == 0) v[r.nextInt(dim)] *= 20; // an outlier channel in some token
        return v;
    }

    static VectorStore store(KvPrecision p, VectorStore.Role role, int dim, int capacity) {
        return VectorStore.create(p, role, dim, capacity);
    }

    static float f16(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    /**
     * Every quantised value is within half its group's stored scale of the value put (the F16
     * rounding of the window it waited in aside), and the scale is the group's range over 2^B − 1
     * (up to F16 rounding): a loose bound could not pass with a needlessly coarse scale.
     */
    @ParameterizedTest
    @EnumSource(value = KvPrecision.class, names = {"KIVI4", "KIVI2"})
    void roundTripErrorIsWithinHalfTheScaleForKeysPerChannelAndValuesPerToken(KvPrecision precision) {
        Random r = new Random(1);
        int levels = precision == KvPrecision.KIVI4 ? 15 : 3, n = 2 * G + 6;
        for (int dim : DIMS) {
            float[][] x = new float[n][];
            VectorStore keys = store(precision, VectorStore.Role.KEYS, dim, n), values = store(precision, VectorStore.Role.VALUES, dim, n);
            for (int t = 0; t < n; t++) {
                x[t] = randomVector(r, dim);
                keys.put(t, x[t], 0);
                values.put(t, x[t], 0);
            }
            KiviKeyStore k = (KiviKeyStore) keys;
            KiviValueStore v = (KiviValueStore) values;
            assertThat(k.residualSize()).as("the last %d tokens wait in F16", n - 2 * G).isEqualTo(n - 2 * G);
            float[] back = new float[dim];
            for (int t = 0; t < n; t++) {
                keys.get(t, back, 0);
                for (int d = 0; d < dim; d++) {
                    if (t >= 2 * G) {
                        assertThat(back[d]).as("residual key %d,%d", t, d).isEqualTo(f16(x[t][d]));
                        continue;
                    }
                    float s = k.scale(t, d);
                    int g0 = t / G * G;
                    float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
                    for (int u = g0; u < g0 + G; u++) {
                        min = Math.min(min, f16(x[u][d]));
                        max = Math.max(max, f16(x[u][d]));
                    }
                    assertThat((double) s).as("%s dim %d key scale of channel %d", precision, dim, d)
                            .isLessThanOrEqualTo(((max - min) + Math.abs(min) / 1024.0) / levels * 1.001 + 1e-7);
                    assertThat((double) back[d]).as("%s dim %d key %d channel %d", precision, dim, t, d)
                            .isCloseTo(x[t][d], within(s / 2 * 1.0001 + Math.abs(x[t][d]) / 2048.0 + 1e-7));
                }
                values.get(t, back, 0);
                for (int d = 0; d < dim; d++) {
                    if (t >= 2 * G) {
                        assertThat(back[d]).as("residual value %d,%d", t, d).isEqualTo(f16(x[t][d]));
                        continue;
                    }
                    int b = d / G;
                    float s = v.scale(t, b), min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
                    for (int e = b * G; e < Math.min(dim, b * G + G); e++) {
                        min = Math.min(min, f16(x[t][e]));
                        max = Math.max(max, f16(x[t][e]));
                    }
                    assertThat((double) s).as("%s dim %d value scale of token %d block %d", precision, dim, t, b)
                            .isLessThanOrEqualTo(((max - min) + Math.abs(min) / 1024.0) / levels * 1.001 + 1e-7);
                    assertThat((double) back[d]).as("%s dim %d value %d channel %d", precision, dim, t, d)
                            .isCloseTo(x[t][d], within(s / 2 * 1.0001 + Math.abs(x[t][d]) / 2048.0 + 1e-7));
                }
            }
        }
    }

    /** A constant channel (one value in the whole group) comes back exactly when F16 holds it. */
    @Test
    void aConstantGroupIsExact() {
        VectorStore keys = store(KvPrecision.KIVI2, VectorStore.Role.KEYS, 64, G);
        float[] x = new float[64];
        Arrays.fill(x, 1.5f);
        for (int t = 0; t < G; t++) keys.put(t, x, 0);
        float[] back = new float[64];
        keys.get(5, back, 0);
        assertThat(back).containsOnly(1.5f);
    }

    /** scores, dot, mix and addScaled on the codes equal float arithmetic on what get() returns, residual slots included. */
    @ParameterizedTest
    @EnumSource(value = KvPrecision.class, names = {"KIVI4", "KIVI2"})
    void kernelsEqualFloatArithmeticOnTheDequantisedValues(KvPrecision precision) {
        Random r = new Random(2);
        for (VectorStore.Role role : VectorStore.Role.values()) {
            for (int dim : DIMS) {
                int n = 3 * G + 11;
                VectorStore s = store(precision, role, dim, n);
                float[][] deq = new float[n][dim];
                for (int slot = 0; slot < n; slot++) s.put(slot, randomVector(r, dim), 0);
                for (int slot = 0; slot < n; slot++) s.get(slot, deq[slot], 0);
                float[] q = new float[dim + 5];
                for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
                float[] p = new float[n + 3];
                for (int j = 0; j < p.length; j++) p[j] = r.nextFloat();
                float[] scores = new float[n + 2];
                int from = 7, len = n - 7; // a run that starts inside a group and ends in the residual window
                s.scores(from, len, q, 5, 0.125f, scores, 2);
                double[] expectedMix = new double[dim];
                for (int slot = from; slot < n; slot++) {
                    double dot = 0, norm = 0;
                    for (int i = 0; i < dim; i++) {
                        dot += (double) deq[slot][i] * q[5 + i];
                        norm += Math.abs((double) deq[slot][i] * q[5 + i]);
                    }
                    double tol = 2e-5 * norm + 1e-6;
                    String what = precision + " " + role + " dim " + dim + " slot " + slot;
                    assertThat((double) s.dot(slot, q, 5)).as("dot, %s", what).isCloseTo(dot, within(tol));
                    assertThat((double) scores[2 + slot - from]).as("scores, %s", what).isCloseTo(dot * 0.125, within(tol * 0.125));
                    for (int i = 0; i < dim; i++) expectedMix[i] += p[3 + slot - from] * deq[slot][i];
                }
                float[] mixed = new float[dim + 4];
                Arrays.fill(mixed, 42f); // mix overwrites
                s.mix(from, len, p, 3, mixed, 4);
                float[] acc = new float[dim + 1];
                for (int slot = from; slot < n; slot++) s.addScaled(slot, p[3 + slot - from], acc, 1);
                for (int i = 0; i < dim; i++) {
                    double scale = 0;
                    for (int slot = from; slot < n; slot++) scale += Math.abs(p[3 + slot - from] * deq[slot][i]);
                    String what = precision + " " + role + " dim " + dim + " channel " + i;
                    assertThat((double) mixed[4 + i]).as("mix, %s", what).isCloseTo(expectedMix[i], within(2e-5 * scale + 1e-6));
                    assertThat((double) acc[1 + i]).as("addScaled, %s", what).isCloseTo(expectedMix[i], within(2e-5 * scale + 1e-6));
                }
            }
        }
    }

    /**
     * Eviction copies survivors as they are: each reads back bit for bit what it read before,
     * keys keep their group's scales and zero points even when most of the group is gone, residual
     * slots stay F16, groups left without members are released, and appends after eviction fill
     * the window and quantise as before.
     */
    @ParameterizedTest
    @EnumSource(value = KvPrecision.class, names = {"KIVI4", "KIVI2"})
    void evictionKeepsTheSurvivorsBitIdentical(KvPrecision precision) {
        Random r = new Random(3);
        int dim = 64, n = 3 * G + 5; // groups of slots 0-31, 32-63, 64-95; 96-100 in the window
        HeadCache head = new HeadCache(precision, dim, n);
        for (int t = 0; t < n; t++) head.append(randomVector(r, dim), 0, randomVector(r, dim), 0, 100 + t);
        head.setMass(40, 3f);
        KiviKeyStore keys = (KiviKeyStore) head.keys();
        assertThat(keys.liveGroups()).isEqualTo(3);
        int[] keep = {98, 2, 40, 31, 100, 17}; // nothing of the third group survives
        float[][] keyBefore = new float[keep.length][dim], valueBefore = new float[keep.length][dim];
        int[][] groupBits = new int[keep.length][dim];
        for (int i = 0; i < keep.length; i++) {
            head.keys().get(keep[i], keyBefore[i], 0);
            head.values().get(keep[i], valueBefore[i], 0);
            if (!keys.inResidual(keep[i])) for (int d = 0; d < dim; d++) groupBits[i][d] = keys.zeroAndScaleBits(keys.groupOf(keep[i]), d);
        }
        long bytesBefore = head.bytes();
        head.retain(keep, keep.length, 4);
        int[] sortedSlots = {2, 17, 31, 40, 98, 100};
        assertThat(head.positions()).containsExactly(102, 117, 131, 140, 198, 200);
        assertThat(head.mass(3)).isEqualTo(3f);
        keys = (KiviKeyStore) head.keys();
        assertThat(keys.liveGroups()).as("the third group had no survivor").isEqualTo(2);
        assertThat(keys.residualSize()).isEqualTo(2);
        float[] k = new float[dim], v = new float[dim];
        for (int i = 0; i < sortedSlots.length; i++) {
            int was = indexOf(keep, sortedSlots[i]);
            head.keys().get(i, k, 0);
            head.values().get(i, v, 0);
            assertThat(bits(k)).as("%s key of slot %d (was %d)", precision, i, sortedSlots[i]).isEqualTo(bits(keyBefore[was]));
            assertThat(bits(v)).as("%s value of slot %d (was %d)", precision, i, sortedSlots[i]).isEqualTo(bits(valueBefore[was]));
            assertThat(keys.inResidual(i)).isEqualTo(sortedSlots[i] >= 3 * G);
            if (!keys.inResidual(i)) {
                for (int d = 0; d < dim; d++) assertThat(keys.zeroAndScaleBits(keys.groupOf(i), d)).isEqualTo(groupBits[was][d]);
            }
        }
        assertThat(head.bytes()).isLessThan(bytesBefore / 5);
        // decode goes on after eviction: the window fills up to a group and is quantised
        for (int t = 0; t < G - 2; t++) head.append(randomVector(r, dim), 0, randomVector(r, dim), 0, 300 + t);
        assertThat(keys.residualSize()).isZero();
        assertThat(keys.liveGroups()).isEqualTo(3);
        for (int i = 0; i < sortedSlots.length; i++) {
            if (sortedSlots[i] >= 3 * G) continue;
            head.keys().get(i, k, 0);
            assertThat(bits(k)).isEqualTo(bits(keyBefore[indexOf(keep, sortedSlots[i])]));
        }
    }

    /**
     * The residual window during decode: a prompt stored as KIVI keeps its last tokens that do
     * not fill a group in F16; tokens appended after it read back exactly their F16 values until
     * the window holds a whole group, and then are quantised together (within half a step).
     */
    @ParameterizedTest
    @EnumSource(value = KvPrecision.class, names = {"KIVI4", "KIVI2"})
    void tokensAppendedDuringDecodeStayF16UntilAGroupFills(KvPrecision precision) {
        Random r = new Random(4);
        int dim = 64, prompt = G + 13;
        KvCache cache = new KvCache(1, 1, dim, KvPrecision.F16, prompt + G);
        HeadCache head = cache.head(0, 0);
        for (int t = 0; t < prompt; t++) head.append(randomVector(r, dim), 0, randomVector(r, dim), 0, t);
        cache.storeAs(precision, precision);
        KiviKeyStore keys = (KiviKeyStore) head.keys();
        KiviValueStore values = (KiviValueStore) head.values();
        assertThat(keys.residualSize()).isEqualTo(13);
        assertThat(values.residualSize()).isEqualTo(13);
        for (int t = 0; t < G; t++) assertThat(keys.inResidual(t)).isFalse();
        float[][] appended = new float[G - 13][];
        float[] back = new float[dim];
        for (int i = 0; i < G - 13; i++) {
            appended[i] = randomVector(r, dim);
            int slot = head.append(appended[i], 0, appended[i], 0, prompt + i);
            if (i < G - 14) {
                assertThat(keys.residualSize()).as("after %d decoded tokens", i + 1).isEqualTo(14 + i);
                head.keys().get(slot, back, 0);
                for (int d = 0; d < dim; d++) assertThat(back[d]).isEqualTo(f16(appended[i][d]));
                head.values().get(slot, back, 0);
                for (int d = 0; d < dim; d++) assertThat(back[d]).isEqualTo(f16(appended[i][d]));
            }
        }
        assertThat(keys.residualSize()).as("the window filled a group").isZero();
        assertThat(values.residualSize()).isZero();
        assertThat(keys.liveGroups()).isEqualTo(2);
        for (int i = 0; i < G - 13; i++) {
            int slot = prompt + i;
            assertThat(keys.inResidual(slot)).isFalse();
            head.keys().get(slot, back, 0);
            for (int d = 0; d < dim; d++) assertThat(back[d]).isCloseTo(appended[i][d], within(keys.scale(slot, d) / 2 * 1.0001f + 1e-6f));
        }
    }

    /**
     * A slot overwritten in place (a sliding-window ring) goes back into the window while the
     * rest of its group reads back unchanged; a ring longer than a group keeps cycling through
     * groups without growing; rolling back forgets the dropped slots.
     */
    @ParameterizedTest
    @EnumSource(value = KvPrecision.class, names = {"KIVI4", "KIVI2"})
    void overwrittenSlotsReenterTheWindowAndRingsStayBounded(KvPrecision precision) {
        int dim = 32, window = 3 * G + 8;
        HeadCache h = new HeadCache(precision, dim, 4);
        for (int p = 0; p < 200; p++) {
            float[] kv = SlidingWindowRingTest.key(p);
            SlidingWindowRing.beforeChunk(h, window, p, 1);
            SlidingWindowRing.put(h, window, kv, 0, kv, 0, p);
            SlidingWindowRing.afterChunk(h, window);
            if (p == 150) {
                KiviKeyStore keys = (KiviKeyStore) h.keys();
                assertThat(keys.liveGroups()).as("groups of a ring of %d slots", window).isBetween(3, window / G + 2);
            }
        }
        KiviKeyStore keys = (KiviKeyStore) h.keys();
        long bytes = h.bytes();
        float[] k = new float[dim];
        for (int s = 0; s < h.size(); s++) {
            h.keys().get(s, k, 0);
            int p = h.position(s);
            // F16 holds positions up to 256 to within 1/16
            float step = keys.inResidual(s) ? 0.07f : keys.scale(s, dim - 1) / 2 * 1.0001f + 0.07f;
            assertThat(k[dim - 1]).as("%s key of slot %d (position %d)", precision, s, p).isCloseTo(p + (dim - 1f) / dim, within(step));
        }
        // overwriting one quantised slot: it returns to the window, its group's other members are untouched
        int victim = -1;
        for (int s = 0; s < h.size() && victim < 0; s++) if (!keys.inResidual(s)) victim = s;
        int group = keys.groupOf(victim);
        float[][] before = new float[h.size()][dim];
        for (int s = 0; s < h.size(); s++) h.keys().get(s, before[s], 0);
        int window0 = keys.residualSize();
        float[] fresh = SlidingWindowRingTest.key(999);
        h.set(victim, fresh, 0, fresh, 0);
        assertThat(keys.inResidual(victim) || keys.residualSize() == 0).isTrue();
        if (window0 + 1 < G) {
            assertThat(keys.residualSize()).isEqualTo(window0 + 1);
            h.keys().get(victim, k, 0);
            for (int d = 0; d < dim; d++) assertThat(k[d]).isEqualTo(f16(fresh[d]));
        }
        for (int s = 0; s < h.size(); s++) {
            if (s == victim || keys.inResidual(s) || keys.groupOf(s) != group) continue;
            h.keys().get(s, k, 0);
            assertThat(bits(k)).as("member %d of the overwritten slot's group", s).isEqualTo(bits(before[s]));
        }
        assertThat(h.bytes()).isLessThanOrEqualTo(bytes + 2L * G * dim * 2);
        // rolling back drops slots from groups and from the window; appending continues after them
        HeadCache straight = new HeadCache(precision, dim, 4);
        for (int p = 0; p < 2 * G + 10; p++) straight.append(SlidingWindowRingTest.key(p), 0, SlidingWindowRingTest.key(p), 0, p);
        straight.truncate(G + 3);
        KiviKeyStore sk = (KiviKeyStore) straight.keys();
        assertThat(sk.residualSize()).isZero();
        assertThat(sk.liveGroups()).isEqualTo(2); // slots 32-34 keep the second group
        straight.truncate(G - 2);
        assertThat(sk.liveGroups()).isEqualTo(1);
        for (int p = G - 2; p < G + 3; p++) straight.append(SlidingWindowRingTest.key(p), 0, SlidingWindowRingTest.key(p), 0, p);
        assertThat(sk.residualSize()).isEqualTo(5);
        int codeBytes = dim * (precision == KvPrecision.KIVI4 ? 4 : 2) / 8;
        assertThat(sk.usedBytes(G + 3)).as("codes and index, one group's scales, 5 F16 tokens")
                .isEqualTo((G + 3) * (codeBytes + 4L) + (4L * dim + 4) + 5 * (2L * dim + 4));
    }

    @Test
    void labelsBytesAndErrors() {
        assertThat(KvPrecision.parse("kivi4")).isEqualTo(KvPrecision.KIVI4);
        assertThat(KvPrecision.parse(" KIVI2 ")).isEqualTo(KvPrecision.KIVI2);
        assertThat(KvPrecision.KIVI4.label()).isEqualTo("kivi4");
        assertThat(KvPrecision.KIVI2.quantized()).isTrue();
        assertThat(KvPrecision.KIVI2.staging()).isEqualTo(KvPrecision.F16);
        assertThat(KvCache.label(KvPrecision.KIVI4, KvPrecision.KIVI2)).isEqualTo("k=kivi4,v=kivi2");
        // per 64-value vector: codes (32 or 16 bytes), F16 scale and zero point per 32 (8 bytes), the 4-byte slot index
        assertThat(KvPrecision.KIVI4.bytesPerVector(64)).isEqualTo(32 + 8 + 4);
        assertThat(KvPrecision.KIVI2.bytesPerVector(64)).isEqualTo(16 + 8 + 4);
        assertThatThrownBy(() -> KvPrecision.parse("kivi3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown KV precision 'kivi3' (expected f32, f16, bf16, q8, q4, kivi4 or kivi2)");
        assertThatThrownBy(() -> VectorStore.create(KvPrecision.KIVI4, 64, 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keys per channel and values per token");

        // a cache of 2 layers x 2 heads, 64 tokens (two whole groups) and 5 more in the window
        int dim = 64, tokens = 2 * G + 5;
        KvCache c = new KvCache(2, 2, dim, KvPrecision.F16, tokens);
        Random r = new Random(6);
        for (int t = 0; t < tokens; t++) {
            for (int l = 0; l < 2; l++) for (int h = 0; h < 2; h++) c.head(l, h).append(randomVector(r, dim), 0, randomVector(r, dim), 0, t);
        }
        c.storeAs(KvPrecision.KIVI4, KvPrecision.KIVI2);
        assertThat(c.precisionLabel()).isEqualTo("k=kivi4,v=kivi2");
        long keys = tokens * (32 + 4L) + 2 * (4L * dim + 4) + 5 * (2L * dim + 4); // codes and index, 2 groups' scales, 5 F16 tokens
        long values = tokens * (16 + 4L + 8) + 5 * (2L * dim + 4);
        assertThat(c.usedBytes()).isEqualTo(4 * (keys + values));
        assertThat(c.allocatedBytes()).isGreaterThanOrEqualTo(c.usedBytes());
        // the nominal figure (whole groups, no window) is what a full cache of KIVI tokens costs, to within the window
        assertThat((double) c.usedBytes()).isCloseTo((double) c.fullBytes(tokens), within(4 * 2 * 5 * (2.0 * dim + 4) + 4 * 2 * 4.0 * dim));
    }

    private static int indexOf(int[] a, int x) {
        for (int i = 0; i < a.length; i++) if (a[i] == x) return i;
        throw new AssertionError(x + " not in " + Arrays.toString(a));
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }
}
