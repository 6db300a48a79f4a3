package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.B128;
import static dev.kvasir.core.tensor.Kernels.FS;
import static dev.kvasir.core.tensor.Kernels.L;
import static dev.kvasir.core.tensor.Kernels.LE;
import static dev.kvasir.core.tensor.Kernels.PARTS;
import static dev.kvasir.core.tensor.Kernels.bcast;
import static dev.kvasir.core.tensor.Kernels.f16;
import static dev.kvasir.core.tensor.Kernels.sum;
import static dev.kvasir.core.tensor.Kernels.toFloat;
import static dev.kvasir.core.tensor.Kernels.widen;
import static dev.kvasir.core.tensor.Kernels.x;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.kvasir.core.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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

    /** Unscaled {@code sum(q[j] * x[k+j])} of the block at {@code o}, as L lanes. */
    private static FloatVector block(MemorySegment d, long o, float[] x, int k) {
        ByteVector q = ByteVector.fromMemorySegment(B128, d, o + 4, LE);
        IntVector qi = widen(q, 0);
        FloatVector s = toFloat(qi.and(0xF)).mul(x(x, k));
        s = toFloat(qi.lanewise(VectorOperators.LSHR, 4).and(0xF)).fma(x(x, k + 16), s);
        for (int p = 1; p < PARTS; p++) {
            qi = widen(q, p);
            s = toFloat(qi.and(0xF)).fma(x(x, k + p * L), s);
            s = toFloat(qi.lanewise(VectorOperators.LSHR, 4).and(0xF)).fma(x(x, k + 16 + p * L), s);
        }
        return s;
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
        long o = rowOffset(row);
        FloatVector acc = FloatVector.zero(FS), accM = acc;
        for (int b = 0, k = xOffset; b < blocks; b++, o += BLOCK_BYTES, k += 32) {
            acc = block(d, o, x, k).fma(bcast(f16(d, o)), acc);
            accM = xsum(x, k).fma(bcast(f16(d, o + 2)), accM);
        }
        return sum(acc.add(accM));
    }

    @Override
    public void matvec(float[] x, int xOffset, float[] out, int outOffset, int rowFrom, int rowTo) {
        Objects.checkFromToIndex(rowFrom, rowTo, rows);
        Objects.checkFromIndexSize(xOffset, cols, x.length);
        Objects.checkFromIndexSize(outOffset, rowTo - rowFrom, out.length);
        int nb = blocks;
        float[] xs = FloatGemm.scratch().aux(nb);
        for (int b = 0; b < nb; b++) xs[b] = sum(xsum(x, xOffset + 32 * b));
        for (int r = rowFrom; r < rowTo; r++) out[outOffset + r - rowFrom] = dotWithSums(r, x, xOffset, xs);
    }

    private float dotWithSums(int row, float[] x, int xOffset, float[] xs) {
        MemorySegment d = data;
        long o = rowOffset(row);
        int nb = blocks;
        FloatVector acc0 = FloatVector.zero(FS), acc1 = acc0;
        float m0 = 0f, m1 = 0f;
        int b = 0, k = xOffset;
        // two blocks per iteration: independent accumulator chains for the scale FMAs
        for (; b + 1 < nb; b += 2, o += 2 * BLOCK_BYTES, k += 64) {
            acc0 = block(d, o, x, k).fma(bcast(f16(d, o)), acc0);
            m0 = Math.fma(f16(d, o + 2), xs[b], m0);
            acc1 = block(d, o + BLOCK_BYTES, x, k + 32).fma(bcast(f16(d, o + BLOCK_BYTES)), acc1);
            m1 = Math.fma(f16(d, o + BLOCK_BYTES + 2), xs[b + 1], m1);
        }
        if (b < nb) {
            acc0 = block(d, o, x, k).fma(bcast(f16(d, o)), acc0);
            m0 = Math.fma(f16(d, o + 2), xs[b], m0);
        }
        return sum(acc0.add(acc1)) + (m0 + m1);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        MemorySegment d = data;
        long o = rowOffset(row);
        for (int b = 0, k = dstOffset; b < blocks; b++, o += BLOCK_BYTES, k += 32) {
            FloatVector dv = bcast(f16(d, o));
            FloatVector mv = bcast(f16(d, o + 2));
            ByteVector q = ByteVector.fromMemorySegment(B128, d, o + 4, LE);
            for (int p = 0; p < PARTS; p++) {
                IntVector qi = widen(q, p);
                // mul then add, not fma: bit-identical to ggml's reference dequantization
                toFloat(qi.and(0xF)).mul(dv).add(mv).intoArray(dst, k + p * L);
                toFloat(qi.lanewise(VectorOperators.LSHR, 4).and(0xF)).mul(dv).add(mv).intoArray(dst, k + 16 + p * L);
            }
        }
    }
}
