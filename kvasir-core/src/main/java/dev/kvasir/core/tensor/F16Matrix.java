package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.FS;
import static dev.kvasir.core.tensor.Kernels.L;
import static dev.kvasir.core.tensor.Kernels.f16;
import static dev.kvasir.core.tensor.Kernels.halfToFloat;
import static dev.kvasir.core.tensor.Kernels.loadShorts;

import java.lang.foreign.MemorySegment;

import dev.kvasir.core.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** IEEE half precision, converted lane-wise with {@link Kernels#halfToFloat}. */
final class F16Matrix extends BlockMatrix {
    F16Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.F16, data, rows, cols);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        MemorySegment d = data;
        long base = rowOffset(row);
        int n = cols;
        int i = 0;
        FloatVector a0 = FloatVector.zero(FS), a1 = a0;
        for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
            long o = base + 2L * i;
            a0 = halfToFloat(loadShorts(d, o)).fma(FloatVector.fromArray(FS, x, xOffset + i), a0);
            a1 = halfToFloat(loadShorts(d, o + 2L * L)).fma(FloatVector.fromArray(FS, x, xOffset + i + L), a1);
        }
        for (int bound = n - L; i <= bound; i += L) {
            a0 = halfToFloat(loadShorts(d, base + 2L * i)).fma(FloatVector.fromArray(FS, x, xOffset + i), a0);
        }
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += f16(d, base + 2L * i) * x[xOffset + i];
        return s;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        MemorySegment d = data;
        long base = rowOffset(row);
        int i = 0;
        for (int bound = cols - L; i <= bound; i += L) halfToFloat(loadShorts(d, base + 2L * i)).intoArray(dst, dstOffset + i);
        for (; i < cols; i++) dst[dstOffset + i] = f16(d, base + 2L * i);
    }
}
