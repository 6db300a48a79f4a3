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
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_0: blocks of 32 weights {@code {f16 d; u32 qh; u8 qs[16]}}, {@code w = (q - 16) * d} with
 * the fifth bit of element j in bit j of qh. The high bits are spread to lanes with a variable
 * shift of the broadcast qh by the lane index (vpsrlvd).
 */
final class Q5_0Matrix extends BlockMatrix {
    static final int BLOCK_BYTES = 22;

    Q5_0Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q5_0, data, rows, cols);
    }

    /** Element j of the block, as an int vector for lanes j = 16*half + p*L ...: its 5-bit quant minus 16. */
    static IntVector quant(IntVector qi, IntVector qh, IntVector shift, boolean high) {
        IntVector lowBits = high ? qi.lanewise(VectorOperators.LSHR, 4).and(0xF) : qi.and(0xF);
        IntVector highBit = qh.lanewise(VectorOperators.LSHR, shift).lanewise(VectorOperators.LSHL, 4).and(0x10);
        return lowBits.or(highBit);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        IntVector[] shifts = Shifts.lanes();
        MemorySegment d = data;
        long base = rowOffset(row);
        FloatVector acc = FloatVector.zero(FS);
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int k = xOffset + b * 32;
            // loads in the loop, not in a vector-returning helper: see Q4_1Matrix
            long q = o + 6;
            IntVector qh = IntVector.broadcast(IS, d.get(INT_LE, o + 2));
            FloatVector s = FloatVector.zero(FS);
            for (int p = 0; p < PARTS; p++) {
                IntVector qi = widenAt(d, q + p * L);
                s = toFloat(quant(qi, qh, shifts[p], false).sub(16)).fma(x(x, k + p * L), s);
                s = toFloat(quant(qi, qh, shifts[PARTS + p], true).sub(16)).fma(x(x, k + 16 + p * L), s);
            }
            acc = s.fma(bcast(f16(d, o)), acc);
        }
        return sum(acc);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        IntVector[] shifts = Shifts.lanes();
        MemorySegment d = data;
        long base = rowOffset(row);
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int k = dstOffset + b * 32;
            FloatVector dv = bcast(f16(d, o));
            long q = o + 6;
            IntVector qh = IntVector.broadcast(IS, d.get(INT_LE, o + 2));
            for (int p = 0; p < PARTS; p++) {
                IntVector qi = widenAt(d, q + p * L);
                toFloat(quant(qi, qh, shifts[p], false).sub(16)).mul(dv).intoArray(dst, k + p * L);
                toFloat(quant(qi, qh, shifts[PARTS + p], true).sub(16)).mul(dv).intoArray(dst, k + 16 + p * L);
            }
        }
    }

    /** Per-lane shift counts j for elements j = 0..31, as 2*PARTS vectors of L lanes. */
    static final class Shifts {
        private static final IntVector[] LANES = new IntVector[2 * PARTS];

        static {
            int[] iota = new int[32];
            for (int j = 0; j < 32; j++) iota[j] = j;
            for (int i = 0; i < 2 * PARTS; i++) LANES[i] = IntVector.fromArray(IS, iota, i * L);
        }

        static IntVector[] lanes() {
            return LANES;
        }
    }
}
