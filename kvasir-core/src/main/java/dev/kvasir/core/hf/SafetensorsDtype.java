package dev.kvasir.core.hf;

import dev.kvasir.core.gguf.GgmlType;

/**
 * The element types a safetensors header may name, with their sizes so every tensor's extent
 * can be checked; {@link #ggml} is the equivalent type Kvasir computes with, or null.
 */
enum SafetensorsDtype {
    F64(8, null),
    F32(4, GgmlType.F32),
    F16(2, GgmlType.F16),
    BF16(2, GgmlType.BF16),
    I64(8, null),
    I32(4, null),
    I16(2, null),
    I8(1, null),
    U64(8, null),
    U32(4, null),
    U16(2, null),
    U8(1, null),
    BOOL(1, null),
    F8_E4M3(1, null),
    F8_E5M2(1, null),
    F8_E8M0(1, null);

    final int size;
    final GgmlType ggml;

    SafetensorsDtype(int size, GgmlType ggml) {
        this.size = size;
        this.ggml = ggml;
    }

    boolean supported() { return ggml != null; }

    /** The dtype with this header name, or null. */
    static SafetensorsDtype fromName(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) return d;
        }
        return null;
    }
}
