package dev.kvasir.core.kv;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The vectorised half-to-float widening against the JDK's conversion, for every one of the 65,536 halves. */
class F16StoreTest {
    @Test
    void widenMatchesFloat16ToFloatForEveryHalf() {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) all[i] = (short) i;
        if (!VectorStore.F16.WIDE) return; // scalar path only on machines without 512-bit vectors
        float[] out = new float[16];
        for (int off = 0; off < all.length; off += 16) {
            VectorStore.F16.widen(all, off).intoArray(out, 0);
            for (int i = 0; i < 16; i++) {
                float expected = Float.float16ToFloat(all[off + i]);
                if (Float.isNaN(expected)) assertThat(out[i]).isNaN();
                else assertThat(Float.floatToRawIntBits(out[i])).as("half 0x%04x", off + i).isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
    }

    @Test
    void dotAndAddScaledMatchScalar() {
        int dim = 72; // a vector part and a scalar tail
        VectorStore s = VectorStore.create(KvPrecision.F16, dim, 2);
        float[] k = new float[dim], q = new float[dim];
        for (int i = 0; i < dim; i++) {
            k[i] = (float) Math.sin(i) * 3;
            q[i] = (float) Math.cos(i);
        }
        s.put(1, k, 0);
        float[] back = new float[dim];
        s.get(1, back, 0);
        double expected = 0;
        for (int i = 0; i < dim; i++) expected += back[i] * q[i];
        assertThat((double) s.dot(1, q, 0)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4));
        float[] acc = new float[dim];
        s.addScaled(1, 0.5f, acc, 0);
        for (int i = 0; i < dim; i++) assertThat(acc[i]).isEqualTo(0.5f * back[i]);
    }
}
