package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.FS;
import static dev.kvasir.core.tensor.Kernels.INT_LE;
import static dev.kvasir.core.tensor.Kernels.IS;
import static dev.kvasir.core.tensor.Kernels.L;
import static dev.kvasir.core.tensor.Kernels.LONG_LE;
import static dev.kvasir.core.tensor.Kernels.PARTS;
import static dev.kvasir.core.tensor.Kernels.bcast;
import static dev.kvasir.core.tensor.Kernels.f16;
import static dev.kvasir.core.tensor.Kernels.sum;
import static dev.kvasir.core.tensor.Kernels.toFloat;
import static dev.kvasir.core.tensor.Kernels.widenAt;
import static dev.kvasir.core.tensor.Kernels.x;
import static dev.kvasir.core.tensor.Q4_KMatrix.scaleMin;

import java.lang.foreign.MemorySegment;

import dev.kvasir.core.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_K: super-blocks of 256 weights {@code {f16 d; f16 dmin; u8 scales[12]; u8 qh[32];
 * u8 qs[128]}}, as {@link Q4_KMatrix} with a fifth bit: for the 64 weights of chunk j (two
 * sub-blocks), element l of the first sub-block takes bit 2j of qh[l] and the second bit 2j+1.
 */
final class Q5_KMatrix extends BlockMatrix {
    static final int BLOCK_BYTES = 176;

    Q5_KMatrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q5_K, data, rows, cols);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        MemorySegment d = data;
        long base = rowOffset(row);
        FloatVector total = FloatVector.zero(FS);
        for (int i = 0; i < blocks; i++) {
            long o = base + (long) i * BLOCK_BYTES;
            int k = xOffset + i * 256;
            FloatVector accQ = FloatVector.zero(FS), accM = accQ;
            long lo = d.get(LONG_LE, o + 4);
            int hi = d.get(INT_LE, o + 12);
            // One sub-block of 32 per step, written inline: a helper taking vectors that C2
            // compiles on its own first can be refused for inlining later ("already compiled
            // into a big method"), and then every vector crossing the call is boxed. The small
            // loops keep the parsed size within C2's inlining budget; C2 unrolls them itself.
            for (int s = 0; s < 8; s++) {
                int sm = scaleMin(lo, hi, s);
                IntVector sc = IntVector.broadcast(IS, sm & 0xFF);
                int shift = 4 * (s & 1);
                long q = o + 48 + 32 * (s >> 1);
                int kk = k + 32 * s;
                for (int c = 0; c < 2; c++) {
                    long vl = q + 16 * c;
                    long vh = o + 16 + 16 * c;
                    for (int p = 0; p < PARTS; p++) {
                        IntVector qi = quants(widenAt(d, vl + p * L), widenAt(d, vh + p * L), shift, s);
                        accQ = toFloat(qi.mul(sc)).fma(x(x, kk + 16 * c + p * L), accQ);
                    }
                }
                accM = Q4_KMatrix.xsum32(x, kk).fma(bcast(sm >>> 8), accM);
            }
            total = accQ.fma(bcast(f16(d, o)), total);
            total = accM.fma(bcast(-f16(d, o + 2)), total);
        }
        return sum(total);
    }

    /** The 5-bit quants of L weights: the nibble at {@code shift} of ql, bit {@code bit} of qh as 16. */
    private static IntVector quants(IntVector ql, IntVector qh, int shift, int bit) {
        return ql.lanewise(VectorOperators.LSHR, shift).and(0xF)
                .or(qh.lanewise(VectorOperators.LSHR, bit).and(1).lanewise(VectorOperators.LSHL, 4));
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        MemorySegment d = data;
        long base = rowOffset(row);
        for (int i = 0; i < blocks; i++) {
            long o = base + (long) i * BLOCK_BYTES;
            int k = dstOffset + i * 256;
            float dd = f16(d, o), dmin = f16(d, o + 2);
            long lo = d.get(LONG_LE, o + 4);
            int hi = d.get(INT_LE, o + 12);
            for (int s = 0; s < 8; s++) {
                int sm = scaleMin(lo, hi, s);
                // (d*sc)*q - dmin*m, each rounded separately: ggml's reference order
                FloatVector d1 = bcast(dd * (sm & 0xFF)), m1 = bcast(dmin * (sm >>> 8));
                int shift = 4 * (s & 1);
                long q = o + 48 + 32 * (s >> 1);
                for (int c = 0; c < 2; c++) {
                    long vl = q + 16 * c;
                    long vh = o + 16 + 16 * c;
                    for (int p = 0; p < PARTS; p++) {
                        toFloat(quants(widenAt(d, vl + p * L), widenAt(d, vh + p * L), shift, s)).mul(d1).sub(m1).intoArray(dst, k + 32 * s + 16 * c + p * L);
                    }
                }
            }
        }
    }
}
