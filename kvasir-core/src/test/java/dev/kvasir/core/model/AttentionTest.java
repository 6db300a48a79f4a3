package dev.kvasir.core.model;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvPrecision;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AttentionTest {
    @Test
    void matchesHandComputedSoftmaxAttention() {
        HeadCache h = new HeadCache(KvPrecision.F32, 2, 2);
        h.append(new float[] {1, 0}, 0, new float[] {10, 0}, 0, 0);
        h.append(new float[] {0, 1}, 0, new float[] {0, 10}, 0, 1);
        float[] q = {2, 0};
        float[] p = new float[2];
        float[] out = new float[2];
        Attention.attend(h, 2, q, 0, 1f, p, out, 0);
        double e = Math.exp(2);
        assertThat(p[0]).isCloseTo((float) (e / (e + 1)), within(1e-6f));
        assertThat(out[0]).isCloseTo((float) (10 * e / (e + 1)), within(1e-5f));
        assertThat(out[1]).isCloseTo((float) (10 / (e + 1)), within(1e-5f));
    }

    /** A slot of mass m must weigh exactly as m identical slots: that is what log(m) on the logit means. */
    @Property(tries = 200)
    void massEqualsDuplicatedSlots(@ForAll @IntRange(min = 1, max = 40) int slots, @ForAll @IntRange(min = 2, max = 9) int mass,
                                   @ForAll long seed) {
        Random r = new Random(seed);
        int dim = 64;
        HeadCache merged = new HeadCache(KvPrecision.F32, dim, 4);
        HeadCache duplicated = new HeadCache(KvPrecision.F32, dim, 4);
        int heavy = r.nextInt(slots);
        for (int s = 0; s < slots; s++) {
            float[] k = gaussian(r, dim), v = gaussian(r, dim);
            merged.append(k, 0, v, 0, s);
            if (s == heavy) merged.setMass(s, mass);
            int copies = s == heavy ? mass : 1;
            for (int c = 0; c < copies; c++) duplicated.append(k, 0, v, 0, s);
        }
        float[] q = gaussian(r, dim);
        float[] outA = new float[dim], outB = new float[dim];
        Attention.attend(merged, merged.size(), q, 0, 0.125f, new float[merged.size()], outA, 0);
        Attention.attend(duplicated, duplicated.size(), q, 0, 0.125f, new float[duplicated.size()], outB, 0);
        for (int i = 0; i < dim; i++) assertThat(outA[i]).isCloseTo(outB[i], within(1e-4f));
    }

    @Test
    void softmaxHandlesLongRowsAndTails() {
        for (int n : new int[] {1, 15, 16, 17, 1000}) {
            float[] p = new float[n];
            for (int i = 0; i < n; i++) p[i] = (float) Math.sin(i) * 5;
            float[] expected = new float[n];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float v : p) max = Math.max(max, v);
            for (int i = 0; i < n; i++) sum += Math.exp(p[i] - max);
            for (int i = 0; i < n; i++) expected[i] = (float) (Math.exp(p[i] - max) / sum);
            Attention.softmax(p, n);
            for (int i = 0; i < n; i++) assertThat(p[i]).isCloseTo(expected[i], within(1e-6f));
        }
    }

    static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
