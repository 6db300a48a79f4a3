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

import java.lang.foreign.MemorySegment;

import dev.kvasir.core.gguf.GgmlType;
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
     * ggml's get_scale_min_k4: scale (low 8 bits) and min (next 8 bits) of sub-block j, from the
     * 12 packed bytes read as {@code lo} (bytes 0-7) and {@code hi} (bytes 8-11): two loads per
     * super-block instead of byte loads per sub-block.
     */
    static int scaleMin(long lo, int hi, int j) {
        if (j < 4) {
            return (int) (lo >>> (8 * j)) & 63 | ((int) (lo >>> (8 * j + 32)) & 63) << 8;
        }
        int b = hi >>> (8 * (j - 4)); // byte j+4
        int s = (b & 0xF) | (((int) (lo >>> (8 * (j - 4))) & 0xC0) >> 2);
        int m = ((b >>> 4) & 0xF) | (((int) (lo >>> (8 * j)) & 0xC0) >> 2);
        return s | m << 8;
    }

    @Override
    public void matvec(float[] x, int xOffset, float[] out, int outOffset, int rowFrom, int rowTo) {
        checkMatvec(x, xOffset, out, outOffset, rowFrom, rowTo);
        // sums of x per sub-block of 32, once per call: the min term becomes one scalar FMA per sub-block
        float[] xs = FloatGemm.scratch().aux(blocks * 8);
        for (int i = 0; i < blocks * 8; i++) xs[i] = sum(xsum32(x, xOffset + 32 * i));
        for (int r = rowFrom; r < rowTo; r++) out[outOffset + r - rowFrom] = dotWithSums(r, x, xOffset, xs);
    }

    private float dotWithSums(int row, float[] x, int xOffset, float[] xs) {
        MemorySegment d = data;
        long base = rowOffset(row);
        FloatVector total = FloatVector.zero(FS);
        float mins = 0f;
        for (int i = 0; i < blocks; i++) {
            long o = base + (long) i * BLOCK_BYTES;
            int k = xOffset + i * 256;
            long lo = d.get(LONG_LE, o + 4);
            int hi = d.get(INT_LE, o + 12);
            FloatVector accQ = FloatVector.zero(FS);
            float accM = 0f;
            for (int s = 0; s < 8; s++) {
                int sm = scaleMin(lo, hi, s);
                IntVector sc = IntVector.broadcast(IS, sm & 0xFF);
                int shift = 4 * (s & 1);
                long q = o + 16 + 32 * (s >> 1);
                int kk = k + 32 * s;
                for (int c = 0; c < 2; c++) {
                    for (int p = 0; p < PARTS; p++) {
                        IntVector qi = widenAt(d, q + 16 * c + p * L).lanewise(VectorOperators.LSHR, shift).and(0xF);
                        accQ = toFloat(qi.mul(sc)).fma(x(x, kk + 16 * c + p * L), accQ);
                    }
                }
                accM = Math.fma(sm >>> 8, xs[8 * i + s], accM);
            }
            total = accQ.fma(bcast(f16(d, o)), total);
            mins = Math.fma(f16(d, o + 2), accM, mins);
        }
        return sum(total) - mins;
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
            // one sub-block of 32 per step, written inline: see Q5_KMatrix.dot
            for (int s = 0; s < 8; s++) {
                int sm = scaleMin(lo, hi, s);
                IntVector sc = IntVector.broadcast(IS, sm & 0xFF);
                int shift = 4 * (s & 1);
                long q = o + 16 + 32 * (s >> 1);
                int kk = k + 32 * s;
                for (int c = 0; c < 2; c++) {
                    long v = q + 16 * c;
                    for (int p = 0; p < PARTS; p++) {
                        IntVector qi = widenAt(d, v + p * L).lanewise(VectorOperators.LSHR, shift).and(0xF);
                        accQ = toFloat(qi.mul(sc)).fma(x(x, kk + 16 * c + p * L), accQ);
                    }
                }
                accM = xsum32(x, kk).fma(bcast(sm >>> 8), accM);
            }
            total = accQ.fma(bcast(f16(d, o)), total);
            total = accM.fma(bcast(-f16(d, o + 2)), total);
        }
        return sum(total);
    }

    /** {@code x[k..k+32)} summed to L lanes. */
    static FloatVector xsum32(float[] x, int k) {
        FloatVector s = x(x, k);
        for (int i = L; i < 32; i += L) s = s.add(x(x, k + i));
        return s;
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
                long q = o + 16 + 32 * (s >> 1);
                for (int c = 0; c < 2; c++) {
                    long v = q + 16 * c;
                    for (int p = 0; p < PARTS; p++) {
                        IntVector qi = widenAt(d, v + p * L).lanewise(VectorOperators.LSHR, shift).and(0xF);
                        toFloat(qi).mul(d1).sub(m1).intoArray(dst, k + 32 * s + 16 * c + p * L);
                    }
                }
            }
        }
    }
}
