package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.FS;
import static dev.kvasir.core.tensor.Kernels.INT_DOT;
import static dev.kvasir.core.tensor.Kernels.SL;
import static dev.kvasir.core.tensor.Kernels.pairSums;
import static dev.kvasir.core.tensor.Kernels.shorts;
import static dev.kvasir.core.tensor.Kernels.widenShortsAt;
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
import jdk.incubator.vector.ShortVector;

/**
 * Q8_0: blocks of 32 weights {@code {f16 d; i8 qs[32]}}, {@code w = qs[j] * d}.
 * The dot product sums {@code qs*x} over the block in float and scales once by d.
 */
final class Q8_0Matrix extends BlockMatrix {
    static final int BLOCK_BYTES = 34;

    Q8_0Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q8_0, data, rows, cols);
    }

    // Loads and part loops stay in the kernels' loops, helpers are tiny: see Q4_1Matrix.

    /** {@code s + q * x[k + p*L ..]} for the L quants q of part p. */
    private static FloatVector part(IntVector q, int p, float[] x, int k, FloatVector s) {
        return toFloat(q).fma(x(x, k + p * L), s);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        MemorySegment d = data;
        long base = rowOffset(row);
        // one block per iteration: all addresses affine in the loop counter, so C2 hoists the
        // bounds checks (a manual 2-block unroll measured slower)
        FloatVector acc = FloatVector.zero(FS);
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int k = xOffset + b * 32;
            FloatVector s = FloatVector.zero(FS);
            for (int p = 0; p < PARTS; p++) {
                s = part(widenAt(d, o + 18 + p * L), p, x, k + 16, part(widenAt(d, o + 2 + p * L), p, x, k, s));
            }
            acc = s.fma(bcast(f16(d, o)), acc);
        }
        return sum(acc);
    }

    @Override
    boolean matvecQuantizesX() {
        return INT_DOT;
    }

    @Override
    public void matvec(float[] x, int xOffset, float[] out, int outOffset, int rowFrom, int rowTo) {
        checkMatvec(x, xOffset, out, outOffset, rowFrom, rowTo);
        if (INT_DOT) {
            Q8Vector xq = FloatGemm.scratch().q8;
            xq.quantize(x, xOffset, cols);
            for (int r = rowFrom; r < rowTo; r++) out[outOffset + r - rowFrom] = dotQ(r, xq);
            return;
        }
        int r = rowFrom;
        // 128-bit vectors: two rows exceed C2's inlining node budget and box the vectors (see Q4_1Matrix)
        if (L >= 8) for (; r + 1 < rowTo; r += 2) dot2(r, x, xOffset, out, outOffset + r - rowFrom);
        for (; r < rowTo; r++) out[outOffset + r - rowFrom] = dot(r, x, xOffset);
    }

    /**
     * Row r against the int8-quantized x: per block the 32 int8 products are summed exactly
     * in 16-bit lanes two at a time, reduced to ints in pairs, converted once and scaled by
     * d*dx. One
     * row per loop: two exceed C2's inlining node budget and box the vectors.
     */
    /** Two vectors of int8 products, 2*SL quants from {@code o} times x's from {@code k}, summed: |lane| <= 2*128*127 < 2^15. */
    private static ShortVector products(MemorySegment d, long o, short[] q, int k) {
        return widenShortsAt(d, o).mul(shorts(q, k)).add(widenShortsAt(d, o + SL).mul(shorts(q, k + SL)));
    }

    private float dotQ(int r, Q8Vector xq) {
        MemorySegment d = data;
        short[] q = xq.q;
        float[] xd = xq.scale;
        long base = rowOffset(r);
        FloatVector a0 = FloatVector.zero(FS);
        long ahead = touchStart(base, rowBytes);
        int touched = 0;
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            touched += touch(d, ahead + (long) b * BLOCK_BYTES);
            int k = b * 32;
            IntVector s = pairSums(products(d, o + 2, q, k));
            for (int p = 2 * SL; p < 32; p += 2 * SL) s = s.add(pairSums(products(d, o + 2 + p, q, k + p)));
            a0 = toFloat(s).fma(bcast(f16(d, o) * xd[b]), a0);
        }
        keep(touched);
        return sum(a0);
    }

    /**
     * Rows r and r+1 into {@code out[i], out[i+1]}: two rows per loop share the loop and
     * address overhead (~25% faster than one at a time); more rows exceed C2's inlining node
     * budget and box the vectors.
     */
    private void dot2(int r, float[] x, int xOffset, float[] out, int i) {
        MemorySegment d = data;
        long base = rowOffset(r), next = rowBytes;
        FloatVector a0 = FloatVector.zero(FS), a1 = a0;
        long ahead = touchStart(base, 2 * next);
        int touched = 0;
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            touched += touch(d, ahead + 2L * b * BLOCK_BYTES);
            int k = xOffset + b * 32;
            FloatVector s = FloatVector.zero(FS), t = s;
            for (int p = 0; p < PARTS; p++) {
                s = part(widenAt(d, o + 18 + p * L), p, x, k + 16, part(widenAt(d, o + 2 + p * L), p, x, k, s));
                t = part(widenAt(d, o + next + 18 + p * L), p, x, k + 16, part(widenAt(d, o + next + 2 + p * L), p, x, k, t));
            }
            a0 = s.fma(bcast(f16(d, o)), a0);
            a1 = t.fma(bcast(f16(d, o + next)), a1);
        }
        keep(touched);
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
                toFloat(widenAt(d, o + 2 + p * L)).mul(dv).intoArray(dst, k + p * L);
                toFloat(widenAt(d, o + 18 + p * L)).mul(dv).intoArray(dst, k + 16 + p * L);
            }
        }
    }
}
