package dev.kvasir.core.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Small vectorised element-wise kernels of the decoder block. */
final class Ops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Ops() {}

    /** out[o..o+n) = x[xo..xo+n) / rms(x) * w. */
    static void rmsnorm(float[] out, int o, float[] x, int xo, float[] w, int n, float eps) {
        int i = 0;
        FloatVector acc = FloatVector.zero(S);
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            acc = v.fma(v, acc);
        }
        float ss = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) ss += x[xo + i] * x[xo + i];
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).mul(scale).mul(FloatVector.fromArray(S, w, i)).intoArray(out, o + i);
        }
        for (; i < n; i++) out[o + i] = x[xo + i] * scale * w[i];
    }

    /** x[xo..xo+n) += y[yo..yo+n). */
    static void add(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).add(FloatVector.fromArray(S, y, yo + i)).intoArray(x, xo + i);
        }
        for (; i < n; i++) x[xo + i] += y[yo + i];
    }

    /** gate[i] = silu(gate[i]) * up[i] over [0, n). */
    static void swiglu(float[] gate, float[] up, int n) {
        swiglu(gate, up, 0, n);
    }

    /**
     * gate[i] = silu(gate[i]) * up[i] over [off, off + n). Vector body and scalar tail compute exp
     * differently, so a row done on its own always splits the same way whatever its neighbours.
     */
    static void swiglu(float[] gate, float[] up, int off, int n) {
        int i = off;
        for (int bound = off + S.loopBound(n); i < bound; i += S.length()) {
            FloatVector g = FloatVector.fromArray(S, gate, i);
            FloatVector sig = VectorExp.exp(g.neg()).add(1f);
            g.div(sig).mul(FloatVector.fromArray(S, up, i)).intoArray(gate, i);
        }
        for (; i < off + n; i++) {
            float g = gate[i];
            gate[i] = (float) (g / (1.0 + Math.exp(-g))) * up[i];
        }
    }

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    /**
     * gate[i] = gelu(gate[i]) * up[i] over [0, n), GELU in its tanh form
     * (0.5·g·(1 + tanh(√(2/π)·(g + 0.044715·g³)))), as Gemma's gelu_pytorch_tanh and llama.cpp's GELU.
     */
    static void geglu(float[] gate, float[] up, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector g = FloatVector.fromArray(S, gate, i);
            FloatVector inner = g.mul(g).mul(0.044715f).add(1f).mul(g).mul(SQRT_2_OVER_PI);
            // 0.5·(1 + tanh(u)) = 1 / (1 + e^(-2u)): VectorExp's bits do not depend on the JIT, TANH's do
            FloatVector d = VectorExp.exp(inner.mul(-2f)).add(1f);
            g.div(d).mul(FloatVector.fromArray(S, up, i)).intoArray(gate, i);
        }
        for (; i < n; i++) {
            double g = gate[i];
            gate[i] = (float) (0.5 * g * (1.0 + Math.tanh(SQRT_2_OVER_PI * (g + 0.044715 * g * g * g)))) * up[i];
        }
    }

    /** x[xo..xo+n) *= s. */
    static void scale(float[] x, int xo, float s, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).mul(s).intoArray(x, xo + i);
        }
        for (; i < n; i++) x[xo + i] *= s;
    }

    /** x[i] = cap·tanh(x[i] / cap) over [0, n): Gemma's final logit soft-capping. */
    static void softcap(float[] x, float cap, int n) {
        for (int i = 0; i < n; i++) x[i] = (float) (cap * Math.tanh(x[i] / cap));
    }
}
