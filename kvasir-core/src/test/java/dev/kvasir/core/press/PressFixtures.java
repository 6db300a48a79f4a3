package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/** Hand-built caches and statistics for press tests. */
final class PressFixtures {
    private PressFixtures() {}

    @FunctionalInterface
    interface VecFn {
        float[] at(int layer, int kvHead, int position);
    }

    /** A cache of {@code tokens} tokens at positions 0..T-1 with the given keys and values (F32, exact). */
    static KvCache cache(int layers, int kvHeads, int dim, int tokens, VecFn keys, VecFn values) {
        KvCache c = new KvCache(layers, kvHeads, dim, KvPrecision.F32, tokens);
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                for (int j = 0; j < tokens; j++) c.head(l, h).append(keys.at(l, h, j), 0, values.at(l, h, j), 0, j);
            }
        }
        c.advance(tokens);
        return c;
    }

    /** Value v_j = (position, 100·layer + 10·head + 1, ...) so slots are recognisable. */
    static VecFn ids(int dim) {
        return (l, h, j) -> {
            float[] v = new float[dim];
            v[0] = j;
            if (dim > 1) v[1] = 100 * l + 10 * h + 1;
            return v;
        };
    }

    /** A cache whose keys are all (1, 0, ...) and values identify the token. */
    static KvCache plain(int layers, int kvHeads, int dim, int tokens) {
        return cache(layers, kvHeads, dim, tokens, (l, h, j) -> unit(dim), ids(dim));
    }

    static float[] unit(int dim) {
        float[] k = new float[dim];
        k[0] = 1;
        return k;
    }

    static float[] vec(float... x) { return x; }

    /** Column-sum statistics: {@code cols[queryHead][T]}. */
    static AttentionStats columnStats(int kvHeads, float[][] cols) {
        return new AttentionStats(cols.length, kvHeads, cols[0].length, cols, null, null);
    }

    /** Window statistics where each of the w rows of query head q equals {@code v[q]} (so the window mean is v[q]). */
    static AttentionStats windowStats(int kvHeads, int w, float[][] v) {
        int t = v[0].length;
        float[][][] rows = new float[v.length][w][];
        for (int q = 0; q < v.length; q++) for (int r = 0; r < w; r++) rows[q][r] = v[q].clone();
        return new AttentionStats(v.length, kvHeads, t, null, rows, null);
    }

    /** A row of T values, {@code base} everywhere except at the given (index, value) pairs. */
    static float[] row(int t, float base, float... pairs) {
        float[] r = new float[t];
        Arrays.fill(r, base);
        for (int i = 0; i < pairs.length; i += 2) r[(int) pairs[i]] = pairs[i + 1];
        return r;
    }

    /** Pads {@code prefix} with zeros up to T (window slots). */
    static float[] padded(int t, float... prefix) {
        return Arrays.copyOf(prefix, t);
    }

    /** Random full statistics (column sums, w window rows, row-normalised) for property tests. */
    static AttentionStats randomStats(SplittableRandom rnd, int queryHeads, int kvHeads, int t, int w) {
        float[][] cols = new float[queryHeads][t];
        float[][][] rows = new float[queryHeads][Math.min(w, t)][];
        for (int q = 0; q < queryHeads; q++) {
            for (int r = 0; r < rows[q].length; r++) {
                int query = t - rows[q].length + r;
                float[] row = new float[t];
                float sum = 0;
                for (int j = 0; j <= query; j++) {
                    row[j] = (float) Math.pow(rnd.nextDouble(), 3);
                    sum += row[j];
                }
                for (int j = 0; j <= query; j++) row[j] /= sum;
                rows[q][r] = row;
            }
            for (int j = 0; j < t; j++) cols[q][j] = (float) (rnd.nextDouble() * (t - j));
        }
        return new AttentionStats(queryHeads, kvHeads, t, cols, rows, null);
    }

    static IntFunction<AttentionStats> same(AttentionStats s) { return l -> s; }

    static Press press(String name, String... kv) {
        java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return Presses.create(name, m);
    }

    static Press press(String name, Map<String, String> options) { return Presses.create(name, options); }

    static int[] positions(KvCache c, int layer, int head) { return c.head(layer, head).positions(); }

    static float[] key(KvCache c, int layer, int head, int slot) {
        HeadCache h = c.head(layer, head);
        float[] k = new float[h.headDim()];
        h.keys().get(slot, k, 0);
        return k;
    }

    static float[] value(KvCache c, int layer, int head, int slot) {
        HeadCache h = c.head(layer, head);
        float[] v = new float[h.headDim()];
        h.values().get(slot, v, 0);
        return v;
    }

    /** The slot holding position p, or -1. */
    static int slotOf(KvCache c, int layer, int head, int position) {
        int[] pos = positions(c, layer, head);
        for (int s = 0; s < pos.length; s++) if (pos[s] == position) return s;
        return -1;
    }

    /** A deep copy (keys, values, positions, masses) for bit-for-bit comparisons. */
    static KvCache copy(KvCache c) {
        KvCache out = new KvCache(c.layers(), c.kvHeads(), c.headDim(), c.keyPrecision(), c.valuePrecision(), 1);
        float[] k = new float[c.headDim()], v = new float[c.headDim()];
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.kvHeads(); h++) {
                HeadCache src = c.head(l, h);
                for (int s = 0; s < src.size(); s++) {
                    src.keys().get(s, k, 0);
                    src.values().get(s, v, 0);
                    int slot = out.head(l, h).append(k, 0, v, 0, src.position(s));
                    out.head(l, h).setMass(slot, src.mass(s));
                }
            }
        }
        out.setNextPosition(c.nextPosition());
        return out;
    }

    /** Asserts two caches hold identical slots, bit for bit. */
    static void assertSameCache(KvCache a, KvCache b) {
        assertThat(a.layers()).isEqualTo(b.layers());
        for (int l = 0; l < a.layers(); l++) {
            for (int h = 0; h < a.kvHeads(); h++) {
                HeadCache x = a.head(l, h), y = b.head(l, h);
                assertThat(x.positions()).as("positions l%d h%d", l, h).isEqualTo(y.positions());
                for (int s = 0; s < x.size(); s++) {
                    assertThat(Float.floatToRawIntBits(x.mass(s))).isEqualTo(Float.floatToRawIntBits(y.mass(s)));
                    assertThat(bits(key(a, l, h, s))).as("key l%d h%d s%d", l, h, s).isEqualTo(bits(key(b, l, h, s)));
                    assertThat(bits(value(a, l, h, s))).as("value l%d h%d s%d", l, h, s).isEqualTo(bits(value(b, l, h, s)));
                }
            }
        }
    }

    static int[] bits(float[] x) {
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) out[i] = Float.floatToRawIntBits(x[i]);
        return out;
    }
}
