package dev.kvasir.core.gguf;

import dev.kvasir.core.ModelFormatException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A little-endian cursor over a mapped GGUF file. Every read first checks that its bytes are in
 * the file, so a truncated or lying file ends in a {@link ModelFormatException} naming the field
 * and offset, never in an IndexOutOfBoundsException from the segment.
 */
final class GgufReader {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Longest string accepted. The longest real ones are embedded tokenizer.json files of some
     * tens of MB; a corrupt length in a large file must not allocate gigabytes.
     */
    static final int MAX_STRING_BYTES = 1 << 27;

    private final Path file;
    private final MemorySegment data;
    private final long size;
    private long pos;

    GgufReader(Path file, MemorySegment data) {
        this.file = file;
        this.data = data;
        this.size = data.byteSize();
    }

    Path file() { return file; }

    long position() { return pos; }

    long size() { return size; }

    long remaining() { return size - pos; }

    ModelFormatException error(String field, long offset, String problem) {
        return new ModelFormatException(file, field, offset, problem);
    }

    /** Fails unless {@code n} more bytes are in the file. */
    void require(long n, String field, String what) {
        if (n < 0 || n > size - pos) {
            String left = size == 0 ? "the file is empty" : "only " + (size - pos) + " of " + size + " bytes remain";
            throw error(field, pos, "file truncated: " + what + " needs " + Long.toUnsignedString(n) + " bytes but " + left);
        }
    }

    /**
     * Checks that {@code count} values of at least {@code minSize} bytes each can fit in the rest
     * of the file, and that the count is at most {@code limit}; run before allocating anything of
     * that length. The limit matters for large files, where a corrupt count can fit in the file
     * yet ask for gigabytes of heap.
     */
    int checkCount(long count, int minSize, int limit, String field, long at, String what) {
        if (count < 0 || count > (size - pos) / minSize) {
            throw error(field, at, what + " " + Long.toUnsignedString(count) + " cannot fit in the "
                    + (size - pos) + " bytes left in the file");
        }
        if (count > limit) throw error(field, at, what + " " + count + " exceeds the limit of " + limit);
        return (int) count;
    }

    int u8(String field) {
        require(1, field, "a uint8");
        return Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, pos++));
    }

    byte i8(String field) {
        require(1, field, "an int8");
        return data.get(ValueLayout.JAVA_BYTE, pos++);
    }

    short i16(String field) {
        require(2, field, "a 16-bit integer");
        short v = data.get(I16, pos);
        pos += 2;
        return v;
    }

    int i32(String field) {
        require(4, field, "a 32-bit value");
        int v = data.get(I32, pos);
        pos += 4;
        return v;
    }

    long u32(String field) {
        return Integer.toUnsignedLong(i32(field));
    }

    /** A 64-bit value; a uint64 above {@code Long.MAX_VALUE} comes back negative. */
    long i64(String field) {
        require(8, field, "a 64-bit value");
        long v = data.get(I64, pos);
        pos += 8;
        return v;
    }

    float f32(String field) {
        require(4, field, "a float32");
        float v = data.get(F32, pos);
        pos += 4;
        return v;
    }

    double f64(String field) {
        require(8, field, "a float64");
        double v = data.get(F64, pos);
        pos += 8;
        return v;
    }

    /** A u64-length-prefixed string; invalid UTF-8 is decoded with replacement characters. */
    String string(String field) {
        long at = pos;
        long length = i64(field);
        if (length < 0 || length > size - pos) {
            throw error(field, at, "string length " + Long.toUnsignedString(length) + " exceeds the "
                    + (size - pos) + " bytes left in the file");
        }
        if (length > MAX_STRING_BYTES) {
            throw error(field, at, "string length " + length + " exceeds the limit of " + MAX_STRING_BYTES);
        }
        if (length == 0) return "";
        byte[] bytes = new byte[(int) length];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, pos, bytes, 0, bytes.length);
        pos += length;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    // Bulk reads for metadata arrays: the caller has checked the count with checkCount.

    int[] i32s(int n, String field) {
        require(4L * n, field, "an int32 array");
        int[] a = new int[n];
        MemorySegment.copy(data, I32, pos, a, 0, n);
        pos += 4L * n;
        return a;
    }

    long[] i64s(int n, String field) {
        require(8L * n, field, "a 64-bit integer array");
        long[] a = new long[n];
        MemorySegment.copy(data, I64, pos, a, 0, n);
        pos += 8L * n;
        return a;
    }

    float[] f32s(int n, String field) {
        require(4L * n, field, "a float32 array");
        float[] a = new float[n];
        MemorySegment.copy(data, F32, pos, a, 0, n);
        pos += 4L * n;
        return a;
    }

    double[] f64s(int n, String field) {
        require(8L * n, field, "a float64 array");
        double[] a = new double[n];
        MemorySegment.copy(data, F64, pos, a, 0, n);
        pos += 8L * n;
        return a;
    }
}
