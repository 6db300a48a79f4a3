package dev.kvasir.core.kv;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Q8 and Q4 stores: error bounds per block, kernels equal to float arithmetic on the dequantised values, eviction without requantising. */
class QuantizedStoreTest {
    /** Head sizes: whole blocks (the vector kernels), and ones with a short last block or a single short one (the scalar path). */
    static final int[] DIMS = {64, 128, 96, 48, 8};

    private static float[] randomVector(Random r, int dim) {
        float[] v = new float[dim];
        double magnitude = Math.pow(10, r.nextInt(5) - 2); // 0.01 .. 100: scales far from 1 both ways
        for (int i = 0; i < dim; i++) v[i] = (float) (r.nextGaussian() * magnitude);
        if (r.nextInt(4) == 0) v[r.nextInt(dim)] *= 20; // an outlier in some block
        return v;
    }

    @ParameterizedTest
    @CsvSource({"Q8, 0.5", "Q4, 1.0"})
    void roundTripErrorIsWithinTheBlockStep(KvPrecision precision, double stepsAllowed) {
        Random r = new Random(1);
        for (int dim : DIMS) {
            VectorStore s = VectorStore.create(precision, dim, 50);
            for (int slot = 0; slot < 50; slot++) {
                float[] x = randomVector(r, dim), back = new float[dim];
                s.put(slot, x, 0);
                s.get(slot, back, 0);
                for (int b = 0; b * 32 < dim; b++) {
                    float amax = 0;
                    for (int i = b * 32; i < Math.min(dim, b * 32 + 32); i++) amax = Math.max(amax, Math.abs(x[i]));
                    // step: amax/127 (Q8) or amax/8 (Q4); F16 rounding of the scale adds at most 2^-11 of a value
                    double step = precision == KvPrecision.Q8 ? amax / 127.0 : amax / 8.0;
                    for (int i = b * 32; i < Math.min(dim, b * 32 + 32); i++) {
                        assertThat((double) back[i]).as("%s dim %d slot %d value %d", precision, dim, slot, i)
                                .isCloseTo(x[i], within(stepsAllowed * step * 1.001 + Math.abs(x[i]) * 1e-3 + 1e-6));
                    }
                }
            }
            assertThat(s.bytes()).isEqualTo(50L * precision.bytesPerVector(dim));
        }
    }

    /** dot, addScaled, scores and mix on the integer blocks equal the float arithmetic on what get() returns. */
    @ParameterizedTest
    @EnumSource(value = KvPrecision.class, names = {"Q8", "Q4"})
    void kernelsEqualFloatArithmeticOnTheDequantisedValues(KvPrecision precision) {
        Random r = new Random(2);
        for (int dim : DIMS) {
            int n = 70;
            VectorStore s = VectorStore.create(precision, dim, n);
            float[][] deq = new float[n][dim];
            for (int slot = 0; slot < n; slot++) {
                s.put(slot, randomVector(r, dim), 0);
                s.get(slot, deq[slot], 0);
            }
            float[] q = new float[dim + 5];
            for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
            float[] p = new float[n + 3];
            for (int j = 0; j < p.length; j++) p[j] = r.nextFloat();
            double[] expectedMix = new double[dim];
            float[] scores = new float[n + 2];
            s.scores(0, n, q, 5, 0.125f, scores, 2);
            for (int slot = 0; slot < n; slot++) {
                double dot = 0, norm = 0;
                for (int i = 0; i < dim; i++) {
                    dot += (double) deq[slot][i] * q[5 + i];
                    norm += Math.abs((double) deq[slot][i] * q[5 + i]);
                }
                double tol = 1e-5 * norm + 1e-7;
                assertThat((double) s.dot(slot, q, 5)).as("%s dim %d dot slot %d", precision, dim, slot).isCloseTo(dot, within(tol));
                assertThat((double) scores[2 + slot]).isCloseTo(dot * 0.125, within(tol * 0.125));
                for (int i = 0; i < dim; i++) expectedMix[i] += p[3 + slot] * deq[slot][i];
            }
            float[] mixed = new float[dim + 4];
            Arrays.fill(mixed, 42f); // mix overwrites
            s.mix(0, n, p, 3, mixed, 4);
            float[] acc = new float[dim + 1];
            for (int slot = 0; slot < n; slot++) s.addScaled(slot, p[3 + slot], acc, 1);
            for (int i = 0; i < dim; i++) {
                double scale = 0;
                for (int slot = 0; slot < n; slot++) scale += Math.abs(p[3 + slot] * deq[slot][i]);
                assertThat((double) mixed[4 + i]).as("%s dim %d mix %d", precision, dim, i).isCloseTo(expectedMix[i], within(1e-5 * scale + 1e-7));
                assertThat((double) acc[1 + i]).as("%s dim %d addScaled %d", precision, dim, i).isCloseTo(expectedMix[i], within(1e-5 * scale + 1e-7));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = KvPrecision.class, names = {"Q8", "Q4"})
    void evictionKeepsTheSurvivorsBytesUnchanged(KvPrecision precision) {
        Random r = new Random(3);
        int dim = 64, n = 40;
        HeadCache head = new HeadCache(precision, dim, n);
        for (int t = 0; t < n; t++) head.append(randomVector(r, dim), 0, randomVector(r, dim), 0, 100 + t);
        head.setMass(7, 3f);
        int[] keep = {31, 2, 7, 39, 20};
        byte[][] keysBefore = new byte[keep.length][], valuesBefore = new byte[keep.length][];
        for (int i = 0; i < keep.length; i++) {
            keysBefore[i] = ((BlockQuantizedStore) head.keys()).slotBytesCopy(keep[i]);
            valuesBefore[i] = ((BlockQuantizedStore) head.values()).slotBytesCopy(keep[i]);
        }
        head.retain(keep, keep.length, 3);
        int[] sorted = {2, 7, 20, 31, 39};
        assertThat(head.positions()).containsExactly(102, 107, 120, 131, 139);
        assertThat(head.mass(1)).isEqualTo(3f);
        for (int i = 0; i < sorted.length; i++) {
            int was = Arrays.binarySearch(sorted, sorted[i]);
            int original = Arrays.asList(31, 2, 7, 39, 20).indexOf(sorted[was]);
            assertThat(((BlockQuantizedStore) head.keys()).slotBytesCopy(i)).isEqualTo(keysBefore[original]);
            assertThat(((BlockQuantizedStore) head.values()).slotBytesCopy(i)).isEqualTo(valuesBefore[original]);
        }
        // bytes reported are bytes allocated: 5 kept + 3 headroom slots of keys and values, and their positions and masses
        assertThat(head.bytes()).isEqualTo(8 * 2 * precision.bytesPerVector(dim) + 8 * 4 + 8 * 4);
        assertThat(head.usedBytes()).isEqualTo(5 * 2 * precision.bytesPerVector(dim));
    }

    /** A cache compressed in F32 and then stored quantised keeps its positions and masses exactly; its vectors are within the block step. */
    @ParameterizedTest
    @EnumSource(value = KvPrecision.class, names = {"Q8", "Q4"})
    void storingQuantisedKeepsPositionsAndMasses(KvPrecision precision) {
        Random r = new Random(4);
        int dim = 64, n = 30;
        KvCache cache = new KvCache(2, 2, dim, KvPrecision.F32, n);
        float[][] keys = new float[n][];
        for (int l = 0; l < 2; l++) {
            for (int h = 0; h < 2; h++) {
                for (int t = 0; t < n; t++) {
                    keys[t] = randomVector(r, dim);
                    cache.head(l, h).append(keys[t], 0, randomVector(r, dim), 0, 3 * t);
                }
                cache.head(l, h).retain(new int[] {0, 4, 9, 29}, 4, 2);
                cache.head(l, h).setMass(2, 2.5f);
            }
        }
        cache.storeAs(precision, KvPrecision.F16);
        assertThat(cache.keyPrecision()).isEqualTo(precision);
        assertThat(cache.precisionLabel()).isEqualTo("k=" + precision.label() + ",v=f16");
        HeadCache last = cache.head(1, 1);
        assertThat(last.positions()).containsExactly(0, 12, 27, 87);
        assertThat(last.mass(2)).isEqualTo(2.5f);
        assertThat(last.keys()).isInstanceOf(BlockQuantizedStore.class);
        assertThat(last.values().precision()).isEqualTo(KvPrecision.F16);
        float[] back = new float[dim];
        last.keys().get(3, back, 0);
        float amax = 0;
        for (float x : keys[29]) amax = Math.max(amax, Math.abs(x));
        for (int i = 0; i < dim; i++) assertThat(back[i]).isCloseTo(keys[29][i], within(amax / 4f));
        assertThat(cache.usedBytes()).isEqualTo(4L * 4 * (precision.bytesPerVector(dim) + KvPrecision.F16.bytesPerVector(dim)));
    }
}
