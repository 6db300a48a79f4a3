package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.FS;
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
import java.lang.foreign.ValueLayout;

import dev.kvasir.core.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K: super-blocks of 256 weights {@code {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}},
 * {@code w = d * scale * (q - 32)} with 16 sub-blocks of 16. Each half (128 weights) uses 64
 * bytes of ql and 32 of qh: for l in 0..31, ql[l] gives the low nibbles of elements l and
 * l+64, ql[l+32] those of l+32 and l+96, and qh[l] the two high bits of all four (bits 0-1,
 * 2-3, 4-5, 6-7). Elements l..l+15 share one scale, so 16 loaded bytes make 4 groups of
 * 16 weights each with its own scale.
 *
 * <p>The dot multiplies the quants by their int8 scale in the int domain (exact), so one FMA
 * with x per L weights suffices, and the super-block sum is scaled by d once.
 */
final class Q6_KMatrix extends BlockMatrix {
    static final int BLOCK_BYTES = 210;

    Q6_KMatrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q6_K, data, rows, cols);
    }

    private static int scale(MemorySegment d, long off) {
        return d.get(ValueLayout.JAVA_BYTE, off);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        MemorySegment d = data;
        long base = rowOffset(row);
        FloatVector total = FloatVector.zero(FS);
        for (int i = 0; i < blocks; i++) {
            long o = base + (long) i * BLOCK_BYTES;
            int k = xOffset + i * 256;
            FloatVector acc0 = FloatVector.zero(FS), acc1 = acc0;
            // (half n, lanes 16c..): 16 bytes of ql[l], ql[l+32] and qh[l] feed 4 groups.
            // The inner j loop has a single call site on purpose: each Vector API op inlines to
            // hundreds of IR nodes, and a super-block written out in full exceeds C2's inlining
            // budget (NodeCountInliningCutoff), after which vectors get boxed; C2 unrolls the
            // constant-trip loop itself and folds the j-dependent shifts.
            for (int n = 0; n < 2; n++) {
                for (int c = 0; c < 2; c++) {
                    long ql = o + 64 * n + 16 * c;
                    long va = ql;
                    long vb = ql + 32;
                    long vh = o + 128 + 32 * n + 16 * c;
                    long sc = o + 192 + 8 * n + c;
                    for (int p = 0; p < PARTS; p++) {
                        // widened once for the 4 groups; qh pre-shifted so that each group's two
                        // bits land at 4-5 with a single right shift
                        IntVector a = widenAt(d, va + p * L), b = widenAt(d, vb + p * L);
                        IntVector h4 = widenAt(d, vh + p * L).lanewise(VectorOperators.LSHL, 4);
                        int kp = k + 128 * n + 16 * c + p * L;
                        for (int j = 0; j < 4; j += 2) {
                            // quarter j from ql[l], quarter j+1 from ql[l+32], into separate chains;
                            // quarters 0,1 take the low nibbles, 2,3 the high ones (shift 2j = 0 or 4)
                            acc0 = group(a, h4, scale(d, sc + 2 * j), 2 * j, 2 * j, x, kp + 32 * j, acc0);
                            acc1 = group(b, h4, scale(d, sc + 2 * j + 2), 2 * j, 2 * j + 2, x, kp + 32 * j + 32, acc1);
                        }
                    }
                }
            }
            total = acc0.add(acc1).fma(bcast(f16(d, o + 208)), total);
        }
        return sum(total);
    }

    /**
     * The 6-bit quants minus 32 of L weights: the nibble at {@code lowShift} of ql and the two
     * bits at {@code highShift} of qh, given as {@code qh << 4}. The inputs are sign-extended
     * bytes: the masks keep only bits that came from the byte itself.
     */
    private static IntVector quants(IntVector ql, IntVector qh4, int lowShift, int highShift) {
        return ql.lanewise(VectorOperators.LSHR, lowShift).and(0xF)
                .or(qh4.lanewise(VectorOperators.LSHR, highShift).and(0x30))
                .sub(32);
    }

    /** {@code acc + (q*scale) * x} over L weights sharing one int8 scale; q*scale is exact in int. */
    private static FloatVector group(IntVector ql, IntVector qh4, int scale, int lowShift, int highShift,
                                     float[] x, int k, FloatVector acc) {
        IntVector q = quants(ql, qh4, lowShift, highShift).mul(IntVector.broadcast(IS, scale));
        return toFloat(q).fma(x(x, k), acc);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        MemorySegment d = data;
        long base = rowOffset(row);
        for (int i = 0; i < blocks; i++) {
            long o = base + (long) i * BLOCK_BYTES;
            int k = dstOffset + i * 256;
            float dd = f16(d, o + 208);
            for (int g = 0; g < 16; g++) {
                int n = g >> 3, j = (g >> 1) & 3, c = g & 1;
                long ql = o + 64 * n + 32 * (j & 1) + 16 * c;
                long qh = o + 128 + 32 * n + 16 * c;
                int kk = k + 128 * n + 32 * j + 16 * c;
                // (d*scale)*q: ggml's reference rounding
                FloatVector s = bcast(dd * scale(d, o + 192 + 8 * n + 2 * j + c));
                long vl = ql;
                long vh = qh;
                for (int p = 0; p < PARTS; p++) {
                    IntVector h4 = widenAt(d, vh + p * L).lanewise(VectorOperators.LSHL, 4);
                    toFloat(quants(widenAt(d, vl + p * L), h4, 4 * (j >> 1), 2 * j)).mul(s).intoArray(dst, kk + p * L);
                }
            }
        }
    }
}
