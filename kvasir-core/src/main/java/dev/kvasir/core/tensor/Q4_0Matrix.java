package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.FS;
import static dev.kvasir.core.tensor.Kernels.L;
import static dev.kvasir.core.tensor.Kernels.PARTS;
import static dev.kvasir.core.tensor.Kernels.bcast;
import static dev.kvasir.core.tensor.Kernels.f16;
import static dev.kvasir.core.tensor.Kernels.sum;
import static dev.kvasir.core.tensor.Kernels.toFloat;
import static dev.kvasir.core.tensor.Kernels.widenAt;
import static dev.kvasir.core.tensor.Kernels.x;

import java.lang.foreign.MemorySegment;

import dev.kvasir.core.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0: blocks of 32 weights {@code {f16 d; u8 qs[16]}}, {@code w = (q - 8) * d}, low nibbles
 * are elements 0..15 and high nibbles 16..31. The -8 is applied in the int domain so that the
 * block sum needs no separate sum of x.
 */
final class Q4_0Matrix extends BlockMatrix {
    static final int BLOCK_BYTES = 18;

    Q4_0Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_0, data, rows, cols);
    }

    // Loads and part loops stay in the kernels' loops, helpers are tiny: see Q4_1Matrix.

    /** {@code s + (q_lo-8)*x[k..] + (q_hi-8)*x[k+16..]} for the L-lane part p of the 16 quant bytes. */
    private static FloatVector nibbles(IntVector qi, int p, float[] x, int k, FloatVector s) {
        s = toFloat(qi.and(0xF).sub(8)).fma(x(x, k + p * L), s);
        return toFloat(qi.lanewise(VectorOperators.LSHR, 4).and(0xF).sub(8)).fma(x(x, k + 16 + p * L), s);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        MemorySegment d = data;
        long base = rowOffset(row);
        FloatVector acc = FloatVector.zero(FS);
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            FloatVector s = FloatVector.zero(FS);
            for (int p = 0; p < PARTS; p++) s = nibbles(widenAt(d, o + 2 + p * L), p, x, xOffset + b * 32, s);
            acc = s.fma(bcast(f16(d, o)), acc);
        }
        return sum(acc);
    }

    @Override
    public void matvec(float[] x, int xOffset, float[] out, int outOffset, int rowFrom, int rowTo) {
        checkMatvec(x, xOffset, out, outOffset, rowFrom, rowTo);
        int r = rowFrom;
        // 128-bit vectors: two rows exceed C2's inlining node budget and box the vectors (see Q4_1Matrix)
        if (L >= 8) for (; r + 1 < rowTo; r += 2) dot2(r, x, xOffset, out, outOffset + r - rowFrom);
        for (; r < rowTo; r++) out[outOffset + r - rowFrom] = dot(r, x, xOffset);
    }

    /** Rows r and r+1 into {@code out[i], out[i+1]}: see Q8_0Matrix.dot2. */
    private void dot2(int r, float[] x, int xOffset, float[] out, int i) {
        MemorySegment d = data;
        long base = rowOffset(r), next = rowBytes;
        FloatVector a0 = FloatVector.zero(FS), a1 = a0;
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int k = xOffset + b * 32;
            FloatVector s0 = FloatVector.zero(FS), s1 = s0;
            for (int p = 0; p < PARTS; p++) {
                s0 = nibbles(widenAt(d, o + 2 + p * L), p, x, k, s0);
                s1 = nibbles(widenAt(d, o + next + 2 + p * L), p, x, k, s1);
            }
            a0 = s0.fma(bcast(f16(d, o)), a0);
            a1 = s1.fma(bcast(f16(d, o + next)), a1);
        }
        out[i] = sum(a0);
        out[i + 1] = sum(a1);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        MemorySegment d = data;
        long base = rowOffset(row);
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int k = dstOffset + b * 32;
            FloatVector dv = bcast(f16(d, o));
            for (int p = 0; p < PARTS; p++) {
                IntVector qi = widenAt(d, o + 2 + p * L);
                toFloat(qi.and(0xF).sub(8)).mul(dv).intoArray(dst, k + p * L);
                toFloat(qi.lanewise(VectorOperators.LSHR, 4).and(0xF).sub(8)).mul(dv).intoArray(dst, k + 16 + p * L);
            }
        }
    }
}
