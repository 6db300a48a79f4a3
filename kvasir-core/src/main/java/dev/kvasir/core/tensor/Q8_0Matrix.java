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

import dev.kvasir.core.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * Q8_0: blocks of 32 weights {@code {f16 d; i8 qs[32]}}, {@code w = qs[j] * d}.
 * The dot product sums {@code qs*x} over the block in float and scales once by d.
 */
final class Q8_0Matrix extends BlockMatrix {
    static final int BLOCK_BYTES = 34;

    Q8_0Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q8_0, data, rows, cols);
    }

    /** Unscaled partial {@code sum(qs[j] * x[k+j])} of the block at {@code o}, as L lanes. */
    private static FloatVector block(MemorySegment d, long o, float[] x, int k) {
        ByteVector q0 = ByteVector.fromMemorySegment(B128, d, o + 2, LE);
        ByteVector q1 = ByteVector.fromMemorySegment(B128, d, o + 18, LE);
        FloatVector s = toFloat(widen(q0, 0)).mul(x(x, k));
        for (int p = 1; p < PARTS; p++) s = toFloat(widen(q0, p)).fma(x(x, k + p * L), s);
        for (int p = 0; p < PARTS; p++) s = toFloat(widen(q1, p)).fma(x(x, k + 16 + p * L), s);
        return s;
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        MemorySegment d = data;
        long o = rowOffset(row);
        int nb = blocks;
        int k = xOffset;
        // two accumulators: the per-block scale FMA would otherwise be a serial chain
        FloatVector acc0 = FloatVector.zero(FS), acc1 = acc0;
        int b = 0;
        for (; b + 1 < nb; b += 2, o += 2 * BLOCK_BYTES, k += 64) {
            acc0 = block(d, o, x, k).fma(bcast(f16(d, o)), acc0);
            acc1 = block(d, o + BLOCK_BYTES, x, k + 32).fma(bcast(f16(d, o + BLOCK_BYTES)), acc1);
        }
        if (b < nb) acc0 = block(d, o, x, k).fma(bcast(f16(d, o)), acc0);
        return sum(acc0.add(acc1));
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        MemorySegment d = data;
        long o = rowOffset(row);
        for (int b = 0, k = dstOffset; b < blocks; b++, o += BLOCK_BYTES, k += 32) {
            FloatVector dv = bcast(f16(d, o));
            ByteVector q0 = ByteVector.fromMemorySegment(B128, d, o + 2, LE);
            ByteVector q1 = ByteVector.fromMemorySegment(B128, d, o + 18, LE);
            for (int p = 0; p < PARTS; p++) {
                toFloat(widen(q0, p)).mul(dv).intoArray(dst, k + p * L);
                toFloat(widen(q1, p)).mul(dv).intoArray(dst, k + 16 + p * L);
            }
        }
    }
}
