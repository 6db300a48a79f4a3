package dev.kvasir.core.tensor;

import java.lang.foreign.MemorySegment;

import dev.kvasir.core.gguf.GgmlType;

/**
 * Common part of the weight matrices: shape, validation and row addressing over a
 * little-endian segment of {@code rows} rows of {@code rowBytes} bytes each.
 *
 * <p>The batched product goes through {@link FloatGemm}: each row is dequantized once into a
 * per-thread float buffer and multiplied with all batch vectors, so the decode cost is
 * amortised over the batch and the inner loop is pure FMA.
 */
abstract sealed class BlockMatrix implements WeightMatrix
        permits F32Matrix, F16Matrix, BF16Matrix, Q8_0Matrix, Q4_0Matrix, Q4_1Matrix, Q5_0Matrix,
        Q5_1Matrix, Q4_KMatrix, Q5_KMatrix, Q6_KMatrix {

    final GgmlType type;
    final MemorySegment data;
    final int rows;
    final int cols;
    /** Bytes per row. */
    final long rowBytes;
    /** Blocks per row. */
    final int blocks;

    BlockMatrix(GgmlType type, MemorySegment data, int rows, int cols) {
        if (rows < 0) throw new IllegalArgumentException(type + " matrix: rows must be >= 0, got " + rows);
        if (cols <= 0) throw new IllegalArgumentException(type + " matrix: cols must be > 0, got " + cols);
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " matrix: cols " + cols + " is not a multiple of the block size "
                    + type.blockSize());
        }
        this.type = type;
        this.data = canonical(data);
        this.rows = rows;
        this.cols = cols;
        this.blocks = cols / type.blockSize();
        this.rowBytes = (long) blocks * type.typeSize();
        long expected = rowBytes * rows;
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(type + " matrix " + rows + "x" + cols + ": data is " + data.byteSize()
                    + " bytes, expected rows*rowBytes = " + rows + "*" + rowBytes + " = " + expected);
        }
    }

    /**
     * An off-heap segment as the JDK's plain native segment class, same address, size and scope
     * (so the same liveness checks). Every memory access in the kernels dispatches on the
     * segment's class; mapped and allocated segments are different classes, and a JVM that
     * sees both (a mapped model plus any natively allocated tensor) compiles polymorphic,
     * measured 2-3x slower, kernels. Heap segments are kept as they are.
     */
    private static MemorySegment canonical(MemorySegment data) {
        if (!data.isNative()) return data;
        MemorySegment s = data.reinterpret(data.byteSize());
        return data.isReadOnly() ? s.asReadOnly() : s;
    }

    @Override public final GgmlType type() { return type; }

    @Override public final int rows() { return rows; }

    @Override public final int cols() { return cols; }

    @Override public final long byteSize() { return data.byteSize(); }

    final long rowOffset(int row) {
        return row * rowBytes;
    }

    @Override
    public void matmul(float[] xs, int batch, float[] out, int outStride, int rowFrom, int rowTo) {
        FloatGemm.matmul(this, xs, batch, out, outStride, rowFrom, rowTo);
    }

    @Override
    public String toString() {
        return type + "[" + rows + "x" + cols + "]";
    }
}
