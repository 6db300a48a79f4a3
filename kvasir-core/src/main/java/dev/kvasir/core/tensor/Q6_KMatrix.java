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
 * Q6_K: super-blocks of 256 weights {@code {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}},
 * {@code w = d * scale * (q - 32)} with 16 sub-blocks of 16. Each half (128 weights) uses 64
 * bytes of ql and 32 of qh: for l in 0..31, ql[l] gives the low nibbles of elements l and
 * l+64, ql[l+32] those of l+32 and l+96, and qh[l] the two high bits of all four (bits 0-1,
 * 2-3, 4-5, 6-7). Elements l..l+15 share one scale, so 16 loaded bytes make 4 groups of
 * 16 weights each with its own scale.
 *
 * <p>The dot multiplies the quants by their int8 scale in the int domain (exact), so one FMA
 * with x per L weights suffices; four accumulators (one per group) keep the chains short, and
 * the super-block sum is scaled by d once.
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
        long o = rowOffset(row);
        FloatVector total = FloatVector.zero(FS);
        for (int i = 0, k = xOffset; i < blocks; i++, o += BLOCK_BYTES, k += 256) {
            FloatVector a1 = FloatVector.zero(FS), a2 = a1, a3 = a1, a4 = a1;
            for (int n = 0; n < 2; n++) {
                long ql = o + 64 * n, qh = o + 128 + 32 * n, sc = o + 192 + 8 * n;
                int kn = k + 128 * n;
                for (int c = 0; c < 2; c++) {
                    ByteVector va = ByteVector.fromMemorySegment(B128, d, ql + 16 * c, LE);
                    ByteVector vb = ByteVector.fromMemorySegment(B128, d, ql + 32 + 16 * c, LE);
                    ByteVector vh = ByteVector.fromMemorySegment(B128, d, qh + 16 * c, LE);
                    IntVector s1 = IntVector.broadcast(IS, scale(d, sc + c));
                    IntVector s2 = IntVector.broadcast(IS, scale(d, sc + c + 2));
                    IntVector s3 = IntVector.broadcast(IS, scale(d, sc + c + 4));
                    IntVector s4 = IntVector.broadcast(IS, scale(d, sc + c + 6));
                    int kc = kn + 16 * c;
                    for (int p = 0; p < PARTS; p++) {
                        IntVector qa = widen(va, p), qb = widen(vb, p), h = widen(vh, p);
                        int kp = kc + p * L;
                        a1 = toFloat(q1(qa, h).mul(s1)).fma(x(x, kp), a1);
                        a2 = toFloat(q2(qb, h).mul(s2)).fma(x(x, kp + 32), a2);
                        a3 = toFloat(q3(qa, h).mul(s3)).fma(x(x, kp + 64), a3);
                        a4 = toFloat(q4(qb, h).mul(s4)).fma(x(x, kp + 96), a4);
                    }
                }
            }
            total = a1.add(a2).add(a3.add(a4)).fma(bcast(f16(d, o + 208)), total);
        }
        return sum(total);
    }

    // The four 6-bit quants (minus 32) of lane l: low nibble of ql[l] / ql[l+32] / high nibbles,
    // with high bits from qh[l] at bits 0-1, 2-3, 4-5, 6-7. The inputs are sign-extended bytes;
    // every mask keeps only bits that came from the byte itself.
    private static IntVector q1(IntVector a, IntVector h) {
        return a.and(0xF).or(h.lanewise(VectorOperators.LSHL, 4).and(0x30)).sub(32);
    }

    private static IntVector q2(IntVector b, IntVector h) {
        return b.and(0xF).or(h.lanewise(VectorOperators.LSHL, 2).and(0x30)).sub(32);
    }

    private static IntVector q3(IntVector a, IntVector h) {
        return a.lanewise(VectorOperators.LSHR, 4).and(0xF).or(h.and(0x30)).sub(32);
    }

    private static IntVector q4(IntVector b, IntVector h) {
        return b.lanewise(VectorOperators.LSHR, 4).and(0xF).or(h.lanewise(VectorOperators.LSHR, 2).and(0x30)).sub(32);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        MemorySegment d = data;
        long o = rowOffset(row);
        for (int i = 0, k = dstOffset; i < blocks; i++, o += BLOCK_BYTES, k += 256) {
            float dd = f16(d, o + 208);
            for (int n = 0; n < 2; n++) {
                long ql = o + 64 * n, qh = o + 128 + 32 * n, sc = o + 192 + 8 * n;
                int kn = k + 128 * n;
                for (int c = 0; c < 2; c++) {
                    ByteVector va = ByteVector.fromMemorySegment(B128, d, ql + 16 * c, LE);
                    ByteVector vb = ByteVector.fromMemorySegment(B128, d, ql + 32 + 16 * c, LE);
                    ByteVector vh = ByteVector.fromMemorySegment(B128, d, qh + 16 * c, LE);
                    // (d*scale)*q, rounded as in ggml's reference
                    FloatVector s1 = bcast(dd * scale(d, sc + c)), s2 = bcast(dd * scale(d, sc + c + 2));
                    FloatVector s3 = bcast(dd * scale(d, sc + c + 4)), s4 = bcast(dd * scale(d, sc + c + 6));
                    int kc = kn + 16 * c;
                    for (int p = 0; p < PARTS; p++) {
                        IntVector qa = widen(va, p), qb = widen(vb, p), h = widen(vh, p);
                        int kp = kc + p * L;
                        toFloat(q1(qa, h)).mul(s1).intoArray(dst, kp);
                        toFloat(q2(qb, h)).mul(s2).intoArray(dst, kp + 32);
                        toFloat(q3(qa, h)).mul(s3).intoArray(dst, kp + 64);
                        toFloat(q4(qb, h)).mul(s4).intoArray(dst, kp + 96);
                    }
                }
            }
        }
    }
}
