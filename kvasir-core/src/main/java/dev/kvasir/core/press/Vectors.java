package dev.kvasir.core.press;

import dev.kvasir.core.kv.VectorStore;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Small vector helpers over flat arrays ({@code [slot·d + i]}), SIMD through the Vector API. */
final class Vectors {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Vectors() {}

    /**
     * Slots 0..n-1 of a store as one flat float array. For F32 stores this is the live backing
     * array (no copy): callers read a slot before they overwrite it, never after.
     */
    static float[] read(VectorStore store, int n) {
        if (store instanceof VectorStore.F32 f) return f.array();
        int d = store.dim();
        float[] out = new float[n * d];
        for (int s = 0; s < n; s++) store.get(s, out, s * d);
        return out;
    }

    static float dot(float[] a, int ai, float[] b, int bi, int d) {
        int x = 0, ao = ai * d, bo = bi * d;
        FloatVector acc = FloatVector.zero(S);
        for (int bound = S.loopBound(d); x < bound; x += S.length()) {
            acc = FloatVector.fromArray(S, a, ao + x).fma(FloatVector.fromArray(S, b, bo + x), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; x < d; x++) s += a[ao + x] * b[bo + x];
        return s;
    }

    /** ‖a_i − a_j‖². */
    static float dist2(float[] a, int i, int j, int d) {
        int x = 0, io = i * d, jo = j * d;
        FloatVector acc = FloatVector.zero(S);
        for (int bound = S.loopBound(d); x < bound; x += S.length()) {
            FloatVector diff = FloatVector.fromArray(S, a, io + x).sub(FloatVector.fromArray(S, a, jo + x));
            acc = diff.fma(diff, acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; x < d; x++) {
            float diff = a[io + x] - a[jo + x];
            s += diff * diff;
        }
        return s;
    }

    /** {@code acc[0..d) += w · a[i·d .. i·d + d)}. */
    static void addScaled(float w, float[] a, int i, float[] acc, int d) {
        int x = 0, io = i * d;
        FloatVector vw = FloatVector.broadcast(S, w);
        for (int bound = S.loopBound(d); x < bound; x += S.length()) {
            FloatVector.fromArray(S, a, io + x).fma(vw, FloatVector.fromArray(S, acc, x)).intoArray(acc, x);
        }
        for (; x < d; x++) acc[x] += w * a[io + x];
    }

    /** Cosine of slots i and j given their norms (0 when either is the zero vector). */
    static double cosine(float[] a, int i, int j, double[] norms, int d) {
        double den = norms[i] * norms[j];
        return den > 0 ? dot(a, i, a, j, d) / den : 0;
    }

    static double[] norms(float[] a, int n, int d) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = Math.sqrt(dot(a, i, a, i, d));
        return out;
    }
}
