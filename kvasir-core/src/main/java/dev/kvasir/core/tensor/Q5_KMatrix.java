package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.B128;
import static dev.kvasir.core.tensor.Kernels.FS;
import static dev.kvasir.core.tensor.Kernels.IS;
import static dev.kvasir.core.tensor.Kernels.L;
import static dev.kvasir.core.tensor.Kernels.LE;
import static dev.kvasir.core.tensor.Kernels.PARTS;
import static dev.kvasir.core.tensor.Kernels.bcast;
import static dev.kvasir.core.tensor.Kernels.f16;
import static dev.kvasir.core.tensor.Kernels.sum;
import static dev.kvasir.core.tensor.Kernels.toFloat;
import static dev.kvasir.core.tensor.Kernels.widen;
import static dev.kvasir.core.tensor.Kernels.x;
import static dev.kvasir.core.tensor.Q4_KMatrix.scaleMin;

import java.lang.foreign.MemorySegment;

import dev.kvasir.core.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
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

    /** 16*bit {@code bit} of each lane of h. */
    private static IntVector highBit(IntVector h, int bit) {
        return h.lanewise(VectorOperators.LSHR, bit).and(1).lanewise(VectorOperators.LSHL, 4);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        MemorySegment d = data;
        long o = rowOffset(row);
        FloatVector total = FloatVector.zero(FS);
        for (int i = 0, k = xOffset; i < blocks; i++, o += BLOCK_BYTES, k += 256) {
            FloatVector accQ0 = FloatVector.zero(FS), accQ1 = accQ0, accM = accQ0;
            ByteVector h0 = ByteVector.fromMemorySegment(B128, d, o + 16, LE);
            ByteVector h1 = ByteVector.fromMemorySegment(B128, d, o + 32, LE);
            for (int j = 0; j < 4; j++) {
                int sm1 = scaleMin(d, o + 4, 2 * j), sm2 = scaleMin(d, o + 4, 2 * j + 1);
                IntVector sc1 = IntVector.broadcast(IS, sm1 & 0xFF), sc2 = IntVector.broadcast(IS, sm2 & 0xFF);
                FloatVector m1 = bcast(sm1 >>> 8), m2 = bcast(sm2 >>> 8);
                int kj = k + 64 * j;
                for (int c = 0; c < 2; c++) {
                    ByteVector q = ByteVector.fromMemorySegment(B128, d, o + 48 + 32 * j + 16 * c, LE);
                    ByteVector hb = c == 0 ? h0 : h1;
                    for (int p = 0; p < PARTS; p++) {
                        IntVector qi = widen(q, p), h = widen(hb, p);
                        FloatVector xl = x(x, kj + 16 * c + p * L), xh = x(x, kj + 32 + 16 * c + p * L);
                        IntVector lo = qi.and(0xF).or(highBit(h, 2 * j));
                        IntVector hi = qi.lanewise(VectorOperators.LSHR, 4).and(0xF).or(highBit(h, 2 * j + 1));
                        accQ0 = toFloat(lo.mul(sc1)).fma(xl, accQ0);
                        accQ1 = toFloat(hi.mul(sc2)).fma(xh, accQ1);
                        accM = xl.fma(m1, accM);
                        accM = xh.fma(m2, accM);
                    }
                }
            }
            total = accQ0.add(accQ1).fma(bcast(f16(d, o)), total);
            total = accM.fma(bcast(-f16(d, o + 2)), total);
        }
        return sum(total);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        MemorySegment d = data;
        long o = rowOffset(row);
        for (int i = 0, k = dstOffset; i < blocks; i++, o += BLOCK_BYTES, k += 256) {
            float dd = f16(d, o), dmin = f16(d, o + 2);
            ByteVector h0 = ByteVector.fromMemorySegment(B128, d, o + 16, LE);
            ByteVector h1 = ByteVector.fromMemorySegment(B128, d, o + 32, LE);
            for (int j = 0; j < 4; j++) {
                int sm1 = scaleMin(d, o + 4, 2 * j), sm2 = scaleMin(d, o + 4, 2 * j + 1);
                FloatVector d1 = bcast(dd * (sm1 & 0xFF)), m1 = bcast(dmin * (sm1 >>> 8));
                FloatVector d2 = bcast(dd * (sm2 & 0xFF)), m2 = bcast(dmin * (sm2 >>> 8));
                int kj = k + 64 * j;
                for (int c = 0; c < 2; c++) {
                    ByteVector q = ByteVector.fromMemorySegment(B128, d, o + 48 + 32 * j + 16 * c, LE);
                    ByteVector hb = c == 0 ? h0 : h1;
                    for (int p = 0; p < PARTS; p++) {
                        IntVector qi = widen(q, p), h = widen(hb, p);
                        IntVector lo = qi.and(0xF).or(highBit(h, 2 * j));
                        IntVector hi = qi.lanewise(VectorOperators.LSHR, 4).and(0xF).or(highBit(h, 2 * j + 1));
                        toFloat(lo).mul(d1).sub(m1).intoArray(dst, kj + 16 * c + p * L);
                        toFloat(hi).mul(d2).sub(m2).intoArray(dst, kj + 32 + 16 * c + p * L);
                    }
                }
            }
        }
    }
}
