package dev.kvasir.core.kv;

/** How cached keys and values are stored. F16/BF16 halve the cache and the memory traffic of decode. */
public enum KvPrecision {
    F32(4), F16(2), BF16(2);

    private final int bytesPerValue;

    KvPrecision(int bytesPerValue) {
        this.bytesPerValue = bytesPerValue;
    }

    public int bytesPerValue() { return bytesPerValue; }

    public static KvPrecision parse(String s) {
        for (KvPrecision p : values()) if (p.name().equalsIgnoreCase(s)) return p;
        throw new IllegalArgumentException("unknown KV precision '" + s + "' (expected f32, f16 or bf16)");
    }
}
