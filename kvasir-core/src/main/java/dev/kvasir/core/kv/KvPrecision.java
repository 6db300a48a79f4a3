package dev.kvasir.core.kv;

import java.util.Locale;

/**
 * How cached keys or values are stored. F16/BF16 halve the cache and the memory traffic of
 * decode; Q8 and Q4 store each vector in blocks of {@value #BLOCK} values with one F16 scale per
 * block (llama.cpp's q8_0 and q4_0 layouts): 34 and 18 bytes per block of 32, about 3.8x and 7x
 * smaller than F32.
 */
public enum KvPrecision {
    F32, F16, BF16, Q8, Q4;

    /** Values per quantisation block (Q8, Q4). */
    public static final int BLOCK = 32;

    /** The default: F16 (see the README's "KV cache precision" for the measurement behind the choice). */
    public static final KvPrecision DEFAULT = F16;

    /** True for the block-quantised formats. */
    public boolean quantized() {
        return this == Q8 || this == Q4;
    }

    /**
     * The precision a prompt is prefilled in before it is stored in this one: a quantised cache
     * is prefilled (and compressed, on the statistics gathered then) in F16, then its kept slots are
     * quantised once; the float formats are prefilled in themselves.
     */
    public KvPrecision staging() {
        return quantized() ? F16 : this;
    }

    /** Bytes one vector of {@code dim} values takes. */
    public long bytesPerVector(int dim) {
        int blocks = (dim + BLOCK - 1) / BLOCK;
        return switch (this) {
            case F32 -> 4L * dim;
            case F16, BF16 -> 2L * dim;
            case Q8 -> dim + 2L * blocks;
            case Q4 -> 18L * blocks;
        };
    }

    /** The lower-case name used on the command line and in reports. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static KvPrecision parse(String s) {
        if (s != null) for (KvPrecision p : values()) if (p.name().equalsIgnoreCase(s.trim())) return p;
        throw new IllegalArgumentException("unknown KV precision '" + s + "' (expected f32, f16, bf16, q8 or q4)");
    }
}
