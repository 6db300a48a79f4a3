package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.FLOAT_LE;
import static dev.kvasir.core.tensor.Kernels.FS;
import static dev.kvasir.core.tensor.Kernels.L;
import static dev.kvasir.core.tensor.Kernels.LE;

import java.lang.foreign.MemorySegment;

import dev.kvasir.core.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Plain little-endian floats. */
final class F32Matrix extends BlockMatrix {
    F32Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.F32, data, rows, cols);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        MemorySegment d = data;
        long base = rowOffset(row);
        int n = cols;
        int i = 0;
        // 4 independent accumulators hide the FMA latency (4 cycles) behind 2 FMAs per cycle
        FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
        for (int bound = n - 4 * L; i <= bound; i += 4 * L) {
            long o = base + 4L * i;
            a0 = FloatVector.fromMemorySegment(FS, d, o, LE).fma(FloatVector.fromArray(FS, x, xOffset + i), a0);
            a1 = FloatVector.fromMemorySegment(FS, d, o + 4L * L, LE).fma(FloatVector.fromArray(FS, x, xOffset + i + L), a1);
            a2 = FloatVector.fromMemorySegment(FS, d, o + 8L * L, LE).fma(FloatVector.fromArray(FS, x, xOffset + i + 2 * L), a2);
            a3 = FloatVector.fromMemorySegment(FS, d, o + 12L * L, LE).fma(FloatVector.fromArray(FS, x, xOffset + i + 3 * L), a3);
        }
        for (int bound = n - L; i <= bound; i += L) {
            a0 = FloatVector.fromMemorySegment(FS, d, base + 4L * i, LE).fma(FloatVector.fromArray(FS, x, xOffset + i), a0);
        }
        float s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += d.get(FLOAT_LE, base + 4L * i) * x[xOffset + i];
        return s;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        MemorySegment.copy(data, FLOAT_LE, rowOffset(row), dst, dstOffset, cols);
    }
}
