package dev.kvasir.core.tensor;

/**
 * An activation vector quantized to blocks of 32 int8 values with one float scale each, like
 * ggml's q8_1: {@code x[32b + j] ~= scale[b] * q[32b + j]} with {@code |q| <= 127}, plus the
 * exact float sum of each block (for the offset terms of Q4_1 and the K-quants' minimums).
 *
 * <p>The values are stored widened to shorts: the integer kernels load them straight into
 * short vectors and multiply them with the widened weight quants. Quantizing costs one pass
 * over x per product, negligible against the rows*cols weights it is multiplied with.
 *
 * <p>Rounding x to int8 moves each product term by at most {@code |w| * scale/2}, i.e. a
 * relative error of about 1/254 of the block's largest |x|; ggml's CPU backend computes every
 * quantized product this way.
 */
final class Q8Vector {
    /** Quants per block. */
    static final int BLOCK = 32;

    short[] q = new short[0];
    float[] scale = new float[0];
    float[] sum = new float[0];

    /** Quantizes {@code x[off .. off+n)}, n a multiple of 32, into this buffer (grown on demand). */
    void quantize(float[] x, int off, int n) {
        int blocks = n / BLOCK;
        if (q.length < n) q = new short[n];
        if (scale.length < blocks) {
            scale = new float[blocks];
            sum = new float[blocks];
        }
        for (int b = 0; b < blocks; b++) {
            int k = off + b * BLOCK;
            float amax = 0f, s = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float v = x[k + j];
                amax = Math.max(amax, Math.abs(v));
                s += v;
            }
            float d = amax / 127f;
            float inv = amax == 0f ? 0f : 127f / amax;
            int dst = b * BLOCK;
            for (int j = 0; j < BLOCK; j++) q[dst + j] = (short) Math.round(x[k + j] * inv);
            scale[b] = d;
            sum[b] = s;
        }
    }
}
