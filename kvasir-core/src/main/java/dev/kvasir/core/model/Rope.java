package dev.kvasir.core.model;

/**
 * Rotary position embedding. Inverse frequencies are computed once (with Llama 3.1 scaling or
 * GGUF frequency factors when the model has them); cos/sin are computed per position for the
 * tokens of one forward call and shared by all layers.
 */
final class Rope {
    private final RopeType type;
    private final int headDim;
    private final int ropeDim;
    private final float[] invFreq; // ropeDim/2

    Rope(ModelConfig c, float[] frequencyFactors) {
        this(c, frequencyFactors, c.ropeTheta());
    }

    /** With base {@code theta} instead of the model's (the local layers of a sliding-window model have their own). */
    Rope(ModelConfig c, float[] frequencyFactors, float theta) {
        this.type = c.ropeType();
        this.headDim = c.headDim();
        this.ropeDim = c.ropeDim();
        int half = ropeDim / 2;
        invFreq = new float[half];
        for (int i = 0; i < half; i++) {
            double f = 1.0 / Math.pow(theta, (2.0 * i) / ropeDim);
            if (frequencyFactors != null) {
                f /= frequencyFactors[i];
            } else if (c.ropeScaling() != null) {
                f = llama3Scale(f, c.ropeScaling());
            }
            invFreq[i] = (float) f;
        }
    }

    /** Llama 3.1: long wavelengths are slowed by the factor, short ones kept, the band between blended. */
    private static double llama3Scale(double freq, ModelConfig.Llama3RopeScaling s) {
        double lowFreqWavelen = s.originalContextLength() / s.lowFreqFactor();
        double highFreqWavelen = s.originalContextLength() / s.highFreqFactor();
        double wavelen = 2 * Math.PI / freq;
        if (wavelen < highFreqWavelen) return freq;
        if (wavelen > lowFreqWavelen) return freq / s.factor();
        double smooth = (s.originalContextLength() / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
        return (1 - smooth) * freq / s.factor() + smooth * freq;
    }

    int half() { return ropeDim / 2; }

    /** Fills cos/sin tables [count][ropeDim/2] for positions pos0 .. pos0+count-1. */
    void tables(int pos0, int count, float[] cos, float[] sin) {
        int half = ropeDim / 2;
        for (int b = 0; b < count; b++) {
            int p = pos0 + b;
            for (int i = 0; i < half; i++) {
                double a = (double) p * invFreq[i];
                cos[b * half + i] = (float) Math.cos(a);
                sin[b * half + i] = (float) Math.sin(a);
            }
        }
    }

    /** Fills row {@code row} of the cos/sin tables for position {@code pos} (a batch of sequences at different positions). */
    void tableRow(int pos, int row, float[] cos, float[] sin) {
        int half = ropeDim / 2;
        for (int i = 0; i < half; i++) {
            double a = (double) pos * invFreq[i];
            cos[row * half + i] = (float) Math.cos(a);
            sin[row * half + i] = (float) Math.sin(a);
        }
    }

    /** Rotates {@code heads} heads stored contiguously at {@code x[off ..]} with the table row {@code row}. */
    void apply(float[] x, int off, int heads, float[] cos, float[] sin, int row) {
        int half = ropeDim / 2;
        int t = row * half;
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            if (type == RopeType.INTERLEAVED) {
                for (int i = 0; i < half; i++) {
                    float c = cos[t + i], s = sin[t + i];
                    float a = x[base + 2 * i], b = x[base + 2 * i + 1];
                    x[base + 2 * i] = a * c - b * s;
                    x[base + 2 * i + 1] = a * s + b * c;
                }
            } else {
                for (int i = 0; i < half; i++) {
                    float c = cos[t + i], s = sin[t + i];
                    float a = x[base + i], b = x[base + i + half];
                    x[base + i] = a * c - b * s;
                    x[base + i + half] = a * s + b * c;
                }
            }
        }
    }
}
