package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.FS;
import static dev.kvasir.core.tensor.Kernels.INT_DOT;
import static dev.kvasir.core.tensor.Kernels.QS;
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
import java.util.Objects;

import dev.kvasir.core.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_1: blocks of 32 weights {@code {f16 d; f16 m; u8 qs[16]}}, {@code w = q*d + m}, low
 * nibbles are elements 0..15 and high nibbles 16..31. The default model's type: this is the
 * decode kernel that matters most.
 *
 * <p>{@code dot(w, x) = sum_b d_b * sum(q*x) + m_b * sum(x)}: the nibbles are widened to ints
 * (one vpmovsxbd of 16 bytes), masked and shifted, converted to float and FMA'd with x; each
 * block's partial is scaled by d with one vector FMA. In {@link #matvec} the block sums of x are
 * computed once per call, so the m term is one scalar FMA per block instead of vector work.
 */
final class Q4_1Matrix extends BlockMatrix {
    static final int BLOCK_BYTES = 20;

    Q4_1Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_1, data, rows, cols);
    }

    // Loads and part loops stay in the kernels' loops; helpers taking or returning vectors are
    // kept tiny and of fixed size whatever L. A larger one that C2 compiles on its own first
    // (it is hot long before the loops are) may later be refused for inlining ("already
    // compiled into a big method"), and then every vector crossing the call is boxed.

    /** {@code s + q_lo*x[k..] + q_hi*x[k+16..]} for the L-lane part p of a block's 16 quant bytes. */
    private static FloatVector nibbles(IntVector qi, int p, float[] x, int k, FloatVector s) {
        s = toFloat(qi.and(0xF)).fma(x(x, k + p * L), s);
        return toFloat(qi.lanewise(VectorOperators.LSHR, 4).and(0xF)).fma(x(x, k + 16 + p * L), s);
    }

    /** {@code x[k..k+32)} summed lane-wise to L lanes. */
    private static FloatVector xsum(float[] x, int k) {
        FloatVector s = x(x, k).add(x(x, k + 16));
        for (int p = 1; p < PARTS; p++) s = s.add(x(x, k + p * L)).add(x(x, k + 16 + p * L));
        return s;
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        Objects.checkFromIndexSize(xOffset, cols, x.length);
        MemorySegment d = data;
        long base = rowOffset(row);
        FloatVector acc = FloatVector.zero(FS), accM = acc;
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int k = xOffset + b * 32;
            FloatVector s = FloatVector.zero(FS);
            for (int p = 0; p < PARTS; p++) s = nibbles(widenAt(d, o + 4 + p * L), p, x, k, s);
            acc = s.fma(bcast(f16(d, o)), acc);
            accM = xsum(x, k).fma(bcast(f16(d, o + 2)), accM);
        }
        return sum(acc.add(accM));
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
        int nb = blocks;
        float[] xs = FloatGemm.scratch().aux(nb);
        for (int b = 0; b < nb; b++) xs[b] = sum(xsum(x, xOffset + 32 * b));
        int r = rowFrom;
        // with 4 lanes (128-bit vectors) a block is 8 part loads per row, and two rows exceed C2's
        // inlining node budget, which boxes the vectors: one row at a time there
        if (L >= 8) for (; r + 1 < rowTo; r += 2) dot2(r, x, xOffset, xs, out, outOffset + r - rowFrom);
        for (; r < rowTo; r++) out[outOffset + r - rowFrom] = dot1(r, x, xOffset, xs);
    }

    /**
     * Rows r and r+1 at once into {@code out[i], out[i+1]}: shares the loop overhead, the block
     * sums of x and the address arithmetic (~20% faster than one row at a time). One block
     * per iteration keeps all addresses affine in the counter, so C2 hoists the bounds checks;
     * unrolling further, or a third row, exceeds C2's inlining node budget and boxes vectors.
     */
    private void dot2(int r, float[] x, int xOffset, float[] xs, float[] out, int i) {
        MemorySegment d = data;
        long base = rowOffset(r), next = rowBytes;
        FloatVector a0 = FloatVector.zero(FS), a1 = a0;
        float m0 = 0f, m1 = 0f;
        long ahead = touchStart(base, 2 * next);
        int touched = 0;
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            touched += touch(d, ahead + 2L * b * BLOCK_BYTES);
            int k = xOffset + b * 32;
            float xsb = xs[b];
            FloatVector s0 = FloatVector.zero(FS), s1 = s0;
            for (int p = 0; p < PARTS; p++) {
                s0 = nibbles(widenAt(d, o + 4 + p * L), p, x, k, s0);
                s1 = nibbles(widenAt(d, o + next + 4 + p * L), p, x, k, s1);
            }
            a0 = s0.fma(bcast(f16(d, o)), a0);
            m0 = Math.fma(f16(d, o + 2), xsb, m0);
            a1 = s1.fma(bcast(f16(d, o + next)), a1);
            m1 = Math.fma(f16(d, o + next + 2), xsb, m1);
        }
        keep(touched);
        out[i] = sum(a0) + m0;
        out[i + 1] = sum(a1) + m1;
    }

    /** {@code lo*x[k..] + hi*x[k+16..]} in 16-bit lanes for 2L quant bytes widened to shorts (|sum| < 2^15). */
    private static ShortVector nibbles(ShortVector w, short[] q, int k) {
        return w.and((short) 0xF).mul(shorts(q, k)).add(w.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(shorts(q, k + 16)));
    }

    /**
     * Row r against the int8-quantized x: per block, the 32 nibble-times-int8 products are
     * summed exactly in 16-bit lanes (each lane at most 2*(16/SL)*15*127 < 2^15), reduced to
     * ints in pairs, converted once and scaled by d*dx; the m term uses x's exact block sum.
     * One row per loop: a two-row version exceeds C2's inlining node budget and boxes vectors.
     */
    private float dotQ(int r, Q8Vector xq) {
        MemorySegment d = data;
        short[] q = xq.q;
        long base = rowOffset(r);
        FloatVector a0 = FloatVector.zero(FS);
        float m0 = 0f;
        long ahead = touchStart(base, rowBytes);
        int touched = 0;
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            touched += touch(d, ahead + (long) b * BLOCK_BYTES);
            ShortVector s0 = nibbles(widenShortsAt(d, o + 4), q, b * 32);
            for (int p = SL; p < 16; p += SL) s0 = s0.add(nibbles(widenShortsAt(d, o + 4 + p), q, b * 32 + p));
            a0 = toFloat(pairSums(s0)).fma(bcast(f16(d, o) * xq.scale[b]), a0);
            m0 = Math.fma(f16(d, o + 2), xq.sum[b], m0);
        }
        keep(touched);
        return sum(a0) + m0;
    }

    private float dot1(int r, float[] x, int xOffset, float[] xs) {
        MemorySegment d = data;
        long base = rowOffset(r);
        FloatVector a0 = FloatVector.zero(FS);
        float m0 = 0f;
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            FloatVector s = FloatVector.zero(FS);
            for (int p = 0; p < PARTS; p++) s = nibbles(widenAt(d, o + 4 + p * L), p, x, xOffset + b * 32, s);
            a0 = s.fma(bcast(f16(d, o)), a0);
            m0 = Math.fma(f16(d, o + 2), xs[b], m0);
        }
        return sum(a0) + m0;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        MemorySegment d = data;
        long base = rowOffset(row);
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int k = dstOffset + b * 32;
            FloatVector dv = bcast(f16(d, o));
            FloatVector mv = bcast(f16(d, o + 2));
            for (int p = 0; p < PARTS; p++) {
                IntVector qi = widenAt(d, o + 4 + p * L);
                // mul then add, not fma: bit-identical to ggml's reference dequantization
                toFloat(qi.and(0xF)).mul(dv).add(mv).intoArray(dst, k + p * L);
                toFloat(qi.lanewise(VectorOperators.LSHR, 4).and(0xF)).mul(dv).add(mv).intoArray(dst, k + 16 + p * L);
            }
        }
    }
}
