package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.FS;
import static dev.kvasir.core.tensor.Kernels.INT_LE;
import static dev.kvasir.core.tensor.Kernels.IS;
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

/**
 * Q5_1: blocks of 32 weights {@code {f16 d; f16 m; u32 qh; u8 qs[16]}}, {@code w = q*d + m},
 * the fifth bit as in {@link Q5_0Matrix}.
 */
final class Q5_1Matrix extends BlockMatrix {
    static final int BLOCK_BYTES = 24;

    Q5_1Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q5_1, data, rows, cols);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        IntVector[] shifts = Q5_0Matrix.Shifts.lanes();
        MemorySegment d = data;
        long base = rowOffset(row);
        FloatVector acc = FloatVector.zero(FS), accM = acc;
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int k = xOffset + b * 32;
            long q = o + 8;
            IntVector qh = IntVector.broadcast(IS, d.get(INT_LE, o + 4));
            FloatVector s = FloatVector.zero(FS), xs = s;
            for (int p = 0; p < PARTS; p++) {
                IntVector qi = widenAt(d, q + p * L);
                FloatVector xl = x(x, k + p * L), xh = x(x, k + 16 + p * L);
                s = toFloat(Q5_0Matrix.quant(qi, qh, shifts[p], false)).fma(xl, s);
                s = toFloat(Q5_0Matrix.quant(qi, qh, shifts[PARTS + p], true)).fma(xh, s);
                xs = xs.add(xl).add(xh);
            }
            acc = s.fma(bcast(f16(d, o)), acc);
            accM = xs.fma(bcast(f16(d, o + 2)), accM);
        }
        return sum(acc.add(accM));
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        IntVector[] shifts = Q5_0Matrix.Shifts.lanes();
        MemorySegment d = data;
        long base = rowOffset(row);
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int k = dstOffset + b * 32;
            FloatVector dv = bcast(f16(d, o));
            FloatVector mv = bcast(f16(d, o + 2));
            long q = o + 8;
            IntVector qh = IntVector.broadcast(IS, d.get(INT_LE, o + 4));
            for (int p = 0; p < PARTS; p++) {
                IntVector qi = widenAt(d, q + p * L);
                toFloat(Q5_0Matrix.quant(qi, qh, shifts[p], false)).mul(dv).add(mv).intoArray(dst, k + p * L);
                toFloat(Q5_0Matrix.quant(qi, qh, shifts[PARTS + p], true)).mul(dv).add(mv).intoArray(dst, k + 16 + p * L);
            }
        }
    }
}
