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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.kvasir.core.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K: super-blocks of 256 weights {@code {f16 d; f16 dmin; u8 scales[12]; u8 qs[128]}}: 8
 * sub-blocks of 32 with 6-bit scale sc and min m, {@code w = d*sc*q - dmin*m}. Each 32 bytes of
 * qs hold two sub-blocks: low nibbles the first, high nibbles the second.
 *
 * <p>The dot multiplies the 4-bit quants by their 6-bit scale in the int domain (exact), so one
 * FMA with x per L weights accumulates {@code sum(sc*q*x)} and the super-block is scaled by d
 * once; the min term accumulates {@code m*x} and is scaled by dmin.
 */
final class Q4_KMatrix extends BlockMatrix {
    static final int BLOCK_BYTES = 144;

    Q4_KMatrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_K, data, rows, cols);
    }

    /**
     * ggml's get_scale_min_k4: scale (low 8 bits) and min (next 8 bits) of sub-block j from the
     * 12 packed bytes at {@code sc}.
     */
    static int scaleMin(MemorySegment d, long sc, int j) {
        if (j < 4) {
            return (u8(d, sc + j) & 63) | (u8(d, sc + j + 4) & 63) << 8;
        }
        int s = (u8(d, sc + j + 4) & 0xF) | ((u8(d, sc + j - 4) >> 6) << 4);
        int m = (u8(d, sc + j + 4) >> 4) | ((u8(d, sc + j) >> 6) << 4);
        return s | m << 8;
    }

    static int u8(MemorySegment d, long off) {
        return d.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        MemorySegment d = data;
        long o = rowOffset(row);
        FloatVector total = FloatVector.zero(FS);
        for (int i = 0, k = xOffset; i < blocks; i++, o += BLOCK_BYTES, k += 256) {
            FloatVector accQ0 = FloatVector.zero(FS), accQ1 = accQ0, accM = accQ0;
            for (int j = 0; j < 4; j++) {
                int sm1 = scaleMin(d, o + 4, 2 * j), sm2 = scaleMin(d, o + 4, 2 * j + 1);
                IntVector sc1 = IntVector.broadcast(IS, sm1 & 0xFF), sc2 = IntVector.broadcast(IS, sm2 & 0xFF);
                FloatVector m1 = bcast(sm1 >>> 8), m2 = bcast(sm2 >>> 8);
                int kj = k + 64 * j;
                for (int c = 0; c < 2; c++) {
                    ByteVector q = ByteVector.fromMemorySegment(B128, d, o + 16 + 32 * j + 16 * c, LE);
                    for (int p = 0; p < PARTS; p++) {
                        IntVector qi = widen(q, p);
                        FloatVector xl = x(x, kj + 16 * c + p * L), xh = x(x, kj + 32 + 16 * c + p * L);
                        accQ0 = toFloat(qi.and(0xF).mul(sc1)).fma(xl, accQ0);
                        accQ1 = toFloat(qi.lanewise(VectorOperators.LSHR, 4).and(0xF).mul(sc2)).fma(xh, accQ1);
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
            for (int j = 0; j < 4; j++) {
                int sm1 = scaleMin(d, o + 4, 2 * j), sm2 = scaleMin(d, o + 4, 2 * j + 1);
                // (d*sc)*q - dmin*m, each rounded separately: ggml's reference order
                FloatVector d1 = bcast(dd * (sm1 & 0xFF)), m1 = bcast(dmin * (sm1 >>> 8));
                FloatVector d2 = bcast(dd * (sm2 & 0xFF)), m2 = bcast(dmin * (sm2 >>> 8));
                int kj = k + 64 * j;
                for (int c = 0; c < 2; c++) {
                    ByteVector q = ByteVector.fromMemorySegment(B128, d, o + 16 + 32 * j + 16 * c, LE);
                    for (int p = 0; p < PARTS; p++) {
                        IntVector qi = widen(q, p);
                        toFloat(qi.and(0xF)).mul(d1).sub(m1).intoArray(dst, kj + 16 * c + p * L);
                        toFloat(qi.lanewise(VectorOperators.LSHR, 4).and(0xF)).mul(d2).sub(m2)
                                .intoArray(dst, kj + 32 + 16 * c + p * L);
                    }
                }
            }
        }
    }
}
