package dev.kvasir.core.gguf;

/**
 * The type ids of GGUF metadata values. {@link #minEncodedSize()} is the fewest bytes one value
 * can take in the file; the parser uses it to reject an array length that cannot fit in what is
 * left of the file before allocating the array.
 */
enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 8),      // u64 length, then bytes
    ARRAY(9, 4 + 8),   // u32 element type, u64 count, then elements
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    final int id;
    private final int minEncodedSize;

    GgufValueType(int id, int minEncodedSize) {
        this.id = id;
        this.minEncodedSize = minEncodedSize;
    }

    int minEncodedSize() { return minEncodedSize; }

    /** The type with this id, or null (ids are read as unsigned 32-bit values). */
    static GgufValueType fromId(long id) {
        for (GgufValueType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }
}
