package dev.kvasir.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The int8 activation blocks of the integer decode kernels: rounding within half a step, exact block sums. */
class Q8VectorTest {

    @Test
    void quantizesEachBlockToWithinHalfAStepOfItsLargestValue() {
        Random rnd = new Random(11);
        int n = 6 * Q8Vector.BLOCK, off = 3;
        float[] x = new float[off + n];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 2));
        // an all-zero block, and one whose largest value is negative
        for (int i = 0; i < Q8Vector.BLOCK; i++) x[off + 2 * Q8Vector.BLOCK + i] = 0f;
        x[off + 4 * Q8Vector.BLOCK + 7] = -1e3f;
        Q8Vector v = new Q8Vector();
        v.quantize(x, off, n);
        for (int b = 0; b < n / Q8Vector.BLOCK; b++) {
            double amax = 0, sum = 0;
            int maxAt = -1;
            for (int j = 0; j < Q8Vector.BLOCK; j++) {
                float xi = x[off + b * Q8Vector.BLOCK + j];
                if (Math.abs(xi) > amax) {
                    amax = Math.abs(xi);
                    maxAt = j;
                }
                sum += xi;
            }
            float step = v.scale[b];
            assertThat((double) step).as("block %d step", b).isCloseTo(amax / 127, org.assertj.core.data.Offset.offset(amax * 1e-7));
            for (int j = 0; j < Q8Vector.BLOCK; j++) {
                short q = v.q[b * Q8Vector.BLOCK + j];
                assertThat((int) q).isBetween(-127, 127);
                double err = Math.abs(x[off + b * Q8Vector.BLOCK + j] - (double) step * q);
                assertThat(err).as("block %d element %d", b, j).isLessThanOrEqualTo((0.5 + 0x1p-10) * step);
            }
            if (maxAt >= 0) assertThat(Math.abs((int) v.q[b * Q8Vector.BLOCK + maxAt])).isEqualTo(127);
            assertThat((double) v.sum[b]).as("block %d sum", b).isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-5 * (1 + amax * 32)));
        }
        assertThat(v.scale[2]).isZero();
        assertThat(v.q[4 * Q8Vector.BLOCK + 7]).isEqualTo((short) -127);
    }
}
