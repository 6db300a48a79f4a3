package dev.kvasir.core.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

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

    /** The argument checks of {@link #matvec}: rows in range, x holds cols values, out holds the rows' results. */
    final void checkMatvec(float[] x, int xOffset, float[] out, int outOffset, int rowFrom, int rowTo) {
        Objects.checkFromToIndex(rowFrom, rowTo, rows);
        Objects.checkFromIndexSize(xOffset, cols, x.length);
        Objects.checkFromIndexSize(outOffset, rowTo - rowFrom, out.length);
    }

    /**
     * How far ahead of the rows it multiplies a matvec kernel touches the weights, in bytes.
     * Java has no prefetch instruction. Measured on SmolLM2's 30 MB Q8_0 output head, one thread
     * streaming it from DRAM: the plain kernel reaches 6 GB/s although the machine streams
     * 32 GB/s per core and the same kernel runs at 21 GB/s on data in cache; reading one byte
     * per iteration this far ahead (about one per cache line) gives 20 GB/s (512 to 8192 all
     * do; 0 gives 15 GB/s). The kernel consumes its data too slowly for the out-of-order window
     * to keep enough misses in flight, and the hardware prefetchers do not make up for it; one
     * touch per pair of rows (i.e. per 4 KiB page) gained nothing, a burst of touches before each
     * pair less than this.
     *
     * <p>Only the Q8_0 and Q4_1 two-row kernels touch (the default model's types). Their
     * {@code dot2} stays above C2's inlining size for hot calls (FreqInlineSize, 325 bytecodes), so
     * it is always compiled on its own with every vector helper inlined. Q4_0's smaller
     * {@code dot2} with a touch was sometimes inlined into {@code matvec}, which then ran out of
     * inlining budget and boxed vectors ({@code KernelAllocationTest} caught it in CI); the
     * K-quant and Q5 kernels are bound by their arithmetic and gained nothing.
     */
    static final long TOUCH_DISTANCE = 1024;
    /** Written only if the impossible happens: keeps C2 from removing the touching loads as dead. */
    @SuppressWarnings("unused")
    private static int touchSink;

    /**
     * Where a kernel reading {@code span} bytes from {@code base} touches ahead: the
     * {@code span} bytes from the returned offset are inside the matrix.
     */
    final long touchStart(long base, long span) {
        return Math.max(0, Math.min(base + TOUCH_DISTANCE, data.byteSize() - span));
    }

    /** One byte of the weights, for the kernels' touch-ahead loads. */
    static int touch(MemorySegment d, long offset) {
        return d.get(ValueLayout.JAVA_BYTE, offset);
    }

    /** Consumes the sum of the touched bytes so that the loads stay (the branch is never taken). */
    static void keep(int touched) {
        if (touched == Integer.MIN_VALUE) touchSink = touched;
    }

    /**
     * Whether {@link #matvec} multiplies with x rounded to int8 blocks ({@link Q8Vector}) rather
     * than with x itself: its results then differ from the float product by the rounding of x
     * (at most half a quantization step of each block's x times the block's |w|).
     */
    boolean matvecQuantizesX() {
        return false;
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
