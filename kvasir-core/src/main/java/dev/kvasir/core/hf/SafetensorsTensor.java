package dev.kvasir.core.hf;

import dev.kvasir.core.gguf.GgmlType;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a safetensors file.
 *
 * @param name     tensor name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype    the header's dtype string, e.g. "F32", "BF16"
 * @param shape    dimensions in PyTorch order: for a Linear weight {@code [out, in]}, so
 *                 {@code shape[0]} is the rows (output features) and the last dim the columns
 * @param offset   absolute file offset of the first data byte
 * @param byteSize bytes of data
 */
public record SafetensorsTensor(String name, String dtype, long[] shape, long offset, long byteSize) {
    public SafetensorsTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Whether Kvasir computes with this dtype (F32, F16, BF16). */
    public boolean supported() {
        SafetensorsDtype d = SafetensorsDtype.fromName(dtype);
        return d != null && d.supported();
    }

    /**
     * The GGML element type: F32, F16 or BF16.
     *
     * @throws IllegalStateException for any other dtype; check with
     *                               {@link SafetensorsFile#requireSupported} first
     */
    public GgmlType ggmlType() {
        SafetensorsDtype d = SafetensorsDtype.fromName(dtype);
        if (d == null || d.ggml == null) throw new IllegalStateException("tensor " + name + ": dtype " + dtype + " has no GGML equivalent");
        return d.ggml;
    }

    /** The last dimension (1 for a scalar). The parser guarantees it fits in an int. */
    public int cols() { return shape.length == 0 ? 1 : Math.toIntExact(shape[shape.length - 1]); }

    /** The product of all dimensions but the last (1 for a vector or a scalar). */
    public int rows() {
        long n = 1;
        for (int i = 0; i < shape.length - 1; i++) n *= shape[i];
        return Math.toIntExact(n);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsTensor t && name.equals(t.name) && dtype.equals(t.dtype)
                && Arrays.equals(shape, t.shape) && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), offset, byteSize);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape) + " @" + offset + " (" + byteSize + " bytes)";
    }
}
