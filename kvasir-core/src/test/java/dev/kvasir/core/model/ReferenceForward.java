package dev.kvasir.core.model;

import dev.kvasir.core.tensor.WeightMatrix;

/**
 * A deliberately plain re-implementation of the Llama forward pass for tests: scalar loops,
 * double accumulation, a dense position-indexed cache, everything recomputed from the weights
 * each call. Slow, but independent of the engine's kernels, batching and KV cache.
 */
final class ReferenceForward {
    private final ModelConfig c;
    private final ModelWeights w;
    private final double[][][] keys;   // [layer][pos][kvDim]
    private final double[][][] values;
    private int pos;

    ReferenceForward(ModelConfig c, ModelWeights w, int maxPositions) {
        this.c = c;
        this.w = w;
        keys = new double[c.layers()][maxPositions][];
        values = new double[c.layers()][maxPositions][];
    }

    /** Runs one token and returns its logits. */
    float[] step(int token) {
        int dim = c.dim(), hd = c.headDim();
        double[] x = toDouble(row(w.tokenEmbedding(), token));
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers()[l];
            double[] xn = rmsnorm(x, lw.attnNorm());
            double[] q = matvec(lw.wq(), xn), k = matvec(lw.wk(), xn), v = matvec(lw.wv(), xn);
            if (lw.bq() != null) {
                addInPlace(q, lw.bq());
                addInPlace(k, lw.bk());
                addInPlace(v, lw.bv());
            }
            if (lw.qNorm() != null) {
                for (int h = 0; h < c.heads(); h++) headNorm(q, h * hd, lw.qNorm());
                for (int h = 0; h < c.kvHeads(); h++) headNorm(k, h * hd, lw.kNorm());
            }
            rope(q, c.heads());
            rope(k, c.kvHeads());
            keys[l][pos] = k;
            values[l][pos] = v;
            double[] att = new double[c.qDim()];
            for (int h = 0; h < c.heads(); h++) {
                int kvh = h / c.groupSize();
                double[] s = new double[pos + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= pos; t++) {
                    double d = 0;
                    for (int i = 0; i < hd; i++) d += q[h * hd + i] * keys[l][t][kvh * hd + i];
                    s[t] = d / Math.sqrt(hd);
                    max = Math.max(max, s[t]);
                }
                double sum = 0;
                for (int t = 0; t <= pos; t++) sum += (s[t] = Math.exp(s[t] - max));
                for (int t = 0; t <= pos; t++) {
                    for (int i = 0; i < hd; i++) att[h * hd + i] += s[t] / sum * values[l][t][kvh * hd + i];
                }
            }
            addInPlace(x, matvec(lw.wo(), att));
            double[] xf = rmsnorm(x, lw.ffnNorm());
            double[] g = matvec(lw.wGate(), xf), u = matvec(lw.wUp(), xf);
            for (int i = 0; i < g.length; i++) g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
            addInPlace(x, matvec(lw.wDown(), g));
        }
        pos++;
        double[] logits = matvec(w.output(), rmsnorm(x, w.outputNorm()));
        float[] out = new float[logits.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) logits[i];
        return out;
    }

    private void rope(double[] v, int heads) {
        int hd = c.headDim(), half = c.ropeDim() / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double freq = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / c.ropeDim());
                if (w.ropeFrequencyFactors() != null) freq /= w.ropeFrequencyFactors()[i];
                else if (c.ropeScaling() != null) freq = llama31(freq, c.ropeScaling());
                double a = pos * freq, cos = Math.cos(a), sin = Math.sin(a);
                int i0, i1;
                if (c.ropeType() == RopeType.INTERLEAVED) {
                    i0 = h * hd + 2 * i;
                    i1 = i0 + 1;
                } else {
                    i0 = h * hd + i;
                    i1 = i0 + half;
                }
                double x0 = v[i0], x1 = v[i1];
                v[i0] = x0 * cos - x1 * sin;
                v[i1] = x0 * sin + x1 * cos;
            }
        }
    }

    /** Llama 3.1's frequency rule, as transformers' _compute_llama3_parameters writes it. */
    private static double llama31(double freq, ModelConfig.Llama3RopeScaling s) {
        double wavelen = 2 * Math.PI / freq;
        double lowWavelen = s.originalContextLength() / s.lowFreqFactor();
        double highWavelen = s.originalContextLength() / s.highFreqFactor();
        if (wavelen > lowWavelen) return freq / s.factor();
        if (wavelen < highWavelen) return freq;
        double smooth = (s.originalContextLength() / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
        return (1 - smooth) * freq / s.factor() + smooth * freq;
    }

    private void headNorm(double[] v, int off, float[] weight) {
        int hd = c.headDim();
        double ss = 0;
        for (int i = 0; i < hd; i++) ss += v[off + i] * v[off + i];
        double scale = 1 / Math.sqrt(ss / hd + c.rmsNormEps());
        for (int i = 0; i < hd; i++) v[off + i] = v[off + i] * scale * weight[i];
    }

    private double[] rmsnorm(double[] x, float[] weight) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double scale = 1 / Math.sqrt(ss / x.length + c.rmsNormEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * scale * weight[i];
        return out;
    }

    private static double[] matvec(WeightMatrix m, double[] x) {
        double[] out = new double[m.rows()];
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.dequantizeRow(r, row, 0);
            double s = 0;
            for (int i = 0; i < row.length; i++) s += row[i] * x[i];
            out[r] = s;
        }
        return out;
    }

    private static float[] row(WeightMatrix m, int r) {
        float[] out = new float[m.cols()];
        m.dequantizeRow(r, out, 0);
        return out;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static void addInPlace(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }

    private static void addInPlace(double[] x, float[] y) {
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }
}
