package dev.kvasir.core.kv;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How cached keys or values are stored. F16/BF16 halve the cache and the memory traffic of
 * decode; Q8 and Q4 store each vector in blocks of {@value #BLOCK} values with one F16 scale per
 * block (llama.cpp's q8_0 and q4_0 layouts): 34 and 18 bytes per block of 32, about 3.8x and 7x
 * smaller than F32. KIVI4 and KIVI2 are KIVI's asymmetric 4- and 2-bit layouts (Liu et al. 2024):
 * keys quantised per channel over groups of {@value #BLOCK} tokens ({@link KiviKeyStore}), values
 * per token over groups of {@value #BLOCK} channels ({@link KiviValueStore}), each group with an
 * F16 scale and zero point, the most recent tokens kept in F16 until a group fills.
 */
public enum KvPrecision {
    F32, F16, BF16, Q8, Q4, KIVI4, KIVI2;

    /** Values per quantisation block (Q8, Q4), and tokens or channels per KIVI group. */
    public static final int BLOCK = 32;

    /** The default: F16 (see the README's "KV cache precision" for the measurement behind the choice). */
    public static final KvPrecision DEFAULT = F16;

    /** True for the integer formats (Q8, Q4, KIVI4, KIVI2). */
    public boolean quantized() {
        return this == Q8 || this == Q4 || kivi();
    }

    /** True for KIVI's layouts, whose keys and values are stored differently (per channel, per token). */
    public boolean kivi() {
        return this == KIVI4 || this == KIVI2;
    }

    /** Bits per value of a KIVI layout (4 or 2). */
    int kiviBits() {
        return switch (this) {
            case KIVI4 -> 4;
            case KIVI2 -> 2;
            default -> throw new IllegalStateException(label() + " is not a KIVI layout");
        };
    }

    /**
     * The precision a prompt is prefilled in before it is stored in this one: a quantised cache
     * is prefilled (and compressed, on the statistics gathered then) in F16, then its kept slots are
     * quantised once; the float formats are prefilled in themselves.
     */
    public KvPrecision staging() {
        return quantized() ? F16 : this;
    }

    /**
     * Bytes one vector of {@code dim} values takes. For KIVI: its codes, the F16 scale and zero
     * point of its groups (a key's share of its channel groups, which 32 tokens share; a value's
     * own), and the 4-byte slot index that names a key's group; a token still in the F16 residual
     * window takes more (see {@link KiviStore#usedBytes}).
     */
    public long bytesPerVector(int dim) {
        int blocks = (dim + BLOCK - 1) / BLOCK;
        return switch (this) {
            case F32 -> 4L * dim;
            case F16, BF16 -> 2L * dim;
            case Q8 -> dim + 2L * blocks;
            case Q4 -> 18L * blocks;
            case KIVI4 -> 20L * blocks + 4;
            case KIVI2 -> 12L * blocks + 4;
        };
    }

    /** The lower-case name used on the command line and in reports. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The names {@link #parse} accepts, for messages: "f32, f16, ... or kivi2". */
    public static String choices() {
        String all = Arrays.stream(values()).map(KvPrecision::label).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return all.substring(0, last) + " or " + all.substring(last + 2);
    }

    public static KvPrecision parse(String s) {
        if (s != null) for (KvPrecision p : values()) if (p.name().equalsIgnoreCase(s.trim())) return p;
        throw new IllegalArgumentException("unknown KV precision '" + s + "' (expected " + choices() + ")");
    }
}
