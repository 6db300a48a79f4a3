package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.FS;
import static dev.kvasir.core.tensor.Kernels.L;
import static dev.kvasir.core.tensor.Kernels.SHORT_LE;

import java.lang.foreign.MemorySegment;

import dev.kvasir.core.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * IEEE half precision. The Vector API of JDK 25 has no half-float conversion, but C2
 * auto-vectorizes a plain {@code Float.float16ToFloat} loop over a short[] (vcvtph2ps, 16 per
 * instruction with AVX-512), so rows are converted in L1-sized chunks through a per-thread
 * buffer: ~1.6x faster than converting with integer bit tricks in the Vector API.
 */
final class F16Matrix extends BlockMatrix {
    /** Elements converted at a time: 12 KB of buffers stay in L1; most rows are one chunk. */
    static final int CHUNK = 2048;

    F16Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.F16, data, rows, cols);
    }

    private static final VectorSpecies<Short> HS = ShortVector.SPECIES_PREFERRED;

    /**
     * {@code h[0..n) = } the halves at {@code off}. Vector loads rather than MemorySegment.copy,
     * whose layout dispatch C2 did not inline here (three calls per row).
     */
    static void load(MemorySegment d, long off, short[] h, int n) {
        int i = 0;
        for (; i + HS.length() <= n; i += HS.length()) {
            ShortVector.fromMemorySegment(HS, d, off + 2L * i, Kernels.LE).intoArray(h, i);
        }
        for (; i < n; i++) h[i] = d.get(SHORT_LE, off + 2L * i);
    }

    /** {@code dst[off..off+n) = halves[0..n)} as floats; the loop shape C2 vectorizes. */
    static void convert(short[] halves, float[] dst, int off, int n) {
        for (int i = 0; i < n; i++) dst[off + i] = Float.float16ToFloat(halves[i]);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        FloatGemm.Scratch s = FloatGemm.scratch();
        return dot(row, x, xOffset, s.halves(CHUNK), s.floats(CHUNK));
    }

    @Override
    public void matvec(float[] x, int xOffset, float[] out, int outOffset, int rowFrom, int rowTo) {
        checkMatvec(x, xOffset, out, outOffset, rowFrom, rowTo);
        FloatGemm.Scratch s = FloatGemm.scratch();
        short[] h = s.halves(CHUNK);
        float[] f = s.floats(CHUNK);
        for (int r = rowFrom; r < rowTo; r++) out[outOffset + r - rowFrom] = dot(r, x, xOffset, h, f);
    }

    private float dot(int row, float[] x, int xOffset, short[] h, float[] f) {
        long base = rowOffset(row);
        FloatVector a0 = FloatVector.zero(FS), a1 = a0;
        float tail = 0f;
        for (int c0 = 0; c0 < cols; c0 += CHUNK) {
            int n = Math.min(CHUNK, cols - c0);
            load(data, base + 2L * c0, h, n);
            convert(h, f, 0, n);
            int i = 0;
            for (; i + 2 * L <= n; i += 2 * L) {
                a0 = FloatVector.fromArray(FS, f, i).fma(FloatVector.fromArray(FS, x, xOffset + c0 + i), a0);
                a1 = FloatVector.fromArray(FS, f, i + L).fma(FloatVector.fromArray(FS, x, xOffset + c0 + i + L), a1);
            }
            for (; i < n; i++) tail += f[i] * x[xOffset + c0 + i];
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD) + tail;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        short[] h = FloatGemm.scratch().halves(CHUNK);
        long base = rowOffset(row);
        for (int c0 = 0; c0 < cols; c0 += CHUNK) {
            int n = Math.min(CHUNK, cols - c0);
            load(data, base + 2L * c0, h, n);
            convert(h, dst, dstOffset + c0, n);
        }
    }
}
