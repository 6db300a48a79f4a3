package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.FS;
import static dev.kvasir.core.tensor.Kernels.L;
import static dev.kvasir.core.tensor.Kernels.SHORT_LE;
import static dev.kvasir.core.tensor.Kernels.bf16ToFloat;
import static dev.kvasir.core.tensor.Kernels.loadShorts;

import java.lang.foreign.MemorySegment;

import dev.kvasir.core.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** bfloat16: the top half of an F32, so widening is a shift. */
final class BF16Matrix extends BlockMatrix {
    BF16Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.BF16, data, rows, cols);
    }

    private static float bf16(MemorySegment d, long off) {
        return Float.intBitsToFloat(d.get(SHORT_LE, off) << 16);
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
            a0 = bf16ToFloat(loadShorts(d, o)).fma(FloatVector.fromArray(FS, x, xOffset + i), a0);
            a1 = bf16ToFloat(loadShorts(d, o + 2L * L)).fma(FloatVector.fromArray(FS, x, xOffset + i + L), a1);
        }
        for (int bound = n - L; i <= bound; i += L) {
            a0 = bf16ToFloat(loadShorts(d, base + 2L * i)).fma(FloatVector.fromArray(FS, x, xOffset + i), a0);
        }
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += bf16(d, base + 2L * i) * x[xOffset + i];
        return s;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        MemorySegment d = data;
        long base = rowOffset(row);
        int i = 0;
        for (int bound = cols - L; i <= bound; i += L) bf16ToFloat(loadShorts(d, base + 2L * i)).intoArray(dst, dstOffset + i);
        for (; i < cols; i++) dst[dstOffset + i] = bf16(d, base + 2L * i);
    }
}
