package dev.kvasir.core.tensor;

import dev.kvasir.core.gguf.GgmlType;

/**
 * A read-only row-major matrix of {@code rows × cols} weights, usually quantized, each row
 * stored independently (a whole number of blocks). Backed by memory-mapped file data: no copy
 * of the weights is made on the heap. All kernels take activations as plain float arrays.
 *
 * <p>Rows are output features and columns input features, as in GGUF and PyTorch Linear
 * layers: {@code y = W x} is {@code y[r] = dot(row r, x)}.
 */
public interface WeightMatrix {
    GgmlType type();

    int rows();

    int cols();

    /** Dot product of row {@code row} with {@code x[xOffset .. xOffset+cols)}. */
    float dot(int row, float[] x, int xOffset);

    /** Writes row {@code row} as floats to {@code dst[dstOffset .. dstOffset+cols)}. */
    void dequantizeRow(int row, float[] dst, int dstOffset);

    /** {@code out[outOffset + r - rowFrom] = dot(r, x)} for r in [rowFrom, rowTo): the decode kernel. */
    default void matvec(float[] x, int xOffset, float[] out, int outOffset, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) out[outOffset + r - rowFrom] = dot(r, x, xOffset);
    }

    /**
     * Batched product for prefill: for each of {@code batch} input vectors
     * {@code xs[b*cols .. (b+1)*cols)}, writes {@code out[b*outStride + r] = dot(r, x_b)} for r in
     * [rowFrom, rowTo). Implementations decode each weight row once for the whole batch.
     */
    default void matmul(float[] xs, int batch, float[] out, int outStride, int rowFrom, int rowTo) {
        int cols = cols();
        for (int r = rowFrom; r < rowTo; r++) {
            for (int b = 0; b < batch; b++) out[b * outStride + r] = dot(r, xs, b * cols);
        }
    }

    /** Bytes of weight data. */
    long byteSize();
}
