package dev.kvasir.core.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a GGUF file.
 *
 * @param name     tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param type     element type
 * @param shape    dimensions in ggml order: {@code shape[0]} (ne0) is the number of elements per
 *                 row, i.e. the input features of a weight matrix
 * @param offset   absolute file offset of the first data byte
 * @param byteSize bytes of data
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long offset, long byteSize) {
    public GgufTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = shape.clone(); // a record is a value: callers must not change it behind our back
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public int nDims() { return shape.length; }

    /** Total number of elements. */
    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Elements per row: {@code shape[0]}. The parser guarantees it fits in an int. */
    public int cols() { return Math.toIntExact(shape[0]); }

    /** Number of rows: the product of {@code shape[1..]} (1 for a vector). */
    public int rows() {
        long n = 1;
        for (int i = 1; i < shape.length; i++) n *= shape[i];
        return Math.toIntExact(n);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape), offset, byteSize);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset + " (" + byteSize + " bytes)";
    }
}
