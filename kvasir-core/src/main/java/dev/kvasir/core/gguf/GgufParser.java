package dev.kvasir.core.gguf;

import dev.kvasir.core.ModelFormatException;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the GGUF header, metadata and tensor infos of a mapped file and validates every tensor
 * extent against the file, so that later reads of tensor data cannot go out of bounds.
 *
 * <p>Layout (v2 and v3, little-endian): magic "GGUF", u32 version, u64 tensor_count,
 * u64 metadata_kv_count, the key/value pairs, the tensor infos (name, u32 n_dims, u64 dims,
 * u32 type, u64 offset relative to the data section), padding to {@code general.alignment},
 * then the tensor data.
 */
final class GgufParser {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int DEFAULT_ALIGNMENT = 32;
    static final int MAX_DIMS = 4;
    /** Arrays of arrays are legal but rare; a bound keeps a hostile file from exhausting the stack. */
    static final int MAX_ARRAY_NESTING = 8;
    /** Far above real models (vocabularies reach ~260k entries, MoE models ~10k tensors); bounds heap use. */
    static final int MAX_ARRAY_LENGTH = 1 << 24;
    static final int MAX_TENSORS = 1 << 20;
    static final int MAX_KEYS = 1 << 20;
    /** Smallest encoded tensor info: empty name (8), n_dims (4), one dim (8), type (4), offset (8). */
    private static final int MIN_TENSOR_INFO_SIZE = 8 + 4 + 8 + 4 + 8;
    /** Smallest encoded key/value pair: empty key (8), type (4), a one-byte value. */
    private static final int MIN_KV_SIZE = 8 + 4 + 1;

    /** What a parse yields; {@code valueOffsets} gives each metadata value's offset for error messages. */
    record Result(int version, Map<String, Object> metadata, Map<String, Long> valueOffsets,
                  Map<String, GgufTensorInfo> tensors, int alignment, long dataOffset) {}

    private final GgufReader r;

    private GgufParser(Path file, MemorySegment data) {
        this.r = new GgufReader(file, data);
    }

    /**
     * Parses {@code data}; every problem is a {@link ModelFormatException} naming {@code file}.
     * The checks are explicit; the final catch only guards against a check that was missed.
     */
    static Result parse(Path file, MemorySegment data) {
        try {
            return new GgufParser(file, data).parse();
        } catch (ModelFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelFormatException(file, "internal parse error (" + e + ")", e);
        }
    }

    private Result parse() {
        int magic = r.i32("magic");
        if (magic != MAGIC) {
            throw r.error("magic", 0, String.format("not a GGUF file: magic is 0x%08x, expected 0x%08x (\"GGUF\")",
                    magic, MAGIC));
        }
        int version = readVersion();
        long tensorCount = r.i64("tensor_count");
        long kvCount = r.i64("metadata_kv_count");
        // Both counts are checked against the bytes left before anything is allocated.
        r.checkCount(kvCount, MIN_KV_SIZE, MAX_KEYS, "metadata_kv_count", 16, "metadata_kv_count");
        r.checkCount(tensorCount, MIN_TENSOR_INFO_SIZE, MAX_TENSORS, "tensor_count", 8, "tensor_count");

        Map<String, Object> metadata = new LinkedHashMap<>();
        Map<String, Long> valueOffsets = new HashMap<>();
        for (long i = 0; i < kvCount; i++) readKeyValue(i, metadata, valueOffsets);
        int alignment = alignment(metadata, valueOffsets);

        // Collected as read, not preallocated from the count: a corrupt count must not cost heap.
        List<PendingTensor> pending = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tensorCount; i++) {
            long at = r.position();
            PendingTensor t = readTensorInfo(i, alignment);
            if (!names.add(t.name)) throw r.error(t.name, at, "duplicate tensor name");
            pending.add(t);
        }

        long dataOffset = alignUp(r.position(), alignment);
        Map<String, GgufTensorInfo> tensors = placeTensors(pending, dataOffset);
        return new Result(version, metadata, valueOffsets, tensors, alignment, dataOffset);
    }

    private int readVersion() {
        int version = r.i32("version");
        if (version == 2 || version == 3) return version;
        if (version == 1) {
            throw r.error("version", 4, "GGUF version 1 is not supported (only versions 2 and 3); "
                    + "convert the file with a recent llama.cpp");
        }
        int swapped = Integer.reverseBytes(version);
        if (swapped == 2 || swapped == 3) {
            throw r.error("version", 4, "big-endian GGUF files are not supported");
        }
        throw r.error("version", 4, "unsupported GGUF version " + Integer.toUnsignedString(version)
                + " (supported: 2, 3)");
    }

    private void readKeyValue(long index, Map<String, Object> metadata, Map<String, Long> valueOffsets) {
        long keyAt = r.position();
        String key = r.string("metadata[" + index + "].key");
        if (metadata.containsKey(key)) throw r.error(key, keyAt, "duplicate metadata key");
        long typeAt = r.position();
        long typeId = r.u32(key);
        GgufValueType type = GgufValueType.fromId(typeId);
        if (type == null) throw r.error(key, typeAt, "unknown metadata value type id " + typeId);
        valueOffsets.put(key, r.position());
        metadata.put(key, readValue(type, key, 0));
    }

    private Object readValue(GgufValueType type, String key, int depth) {
        return switch (type) {
            case UINT8 -> (long) r.u8(key);
            case INT8 -> (long) r.i8(key);
            case UINT16 -> (long) Short.toUnsignedInt(r.i16(key));
            case INT16 -> (long) r.i16(key);
            case UINT32 -> r.u32(key);
            case INT32 -> (long) r.i32(key);
            case UINT64, INT64 -> r.i64(key);
            case FLOAT32 -> r.f32(key);
            case FLOAT64 -> r.f64(key);
            case BOOL -> r.i8(key) != 0;
            case STRING -> r.string(key);
            case ARRAY -> readArray(key, depth);
        };
    }

    /** Arrays map to primitive Java arrays (see {@link GgufFile#metadata()}); arrays of arrays to Object[]. */
    private Object readArray(String key, int depth) {
        long at = r.position();
        long typeId = r.u32(key);
        GgufValueType type = GgufValueType.fromId(typeId);
        if (type == null) throw r.error(key, at, "unknown array element type id " + typeId);
        long count = r.i64(key);
        int n = r.checkCount(count, type.minEncodedSize(), MAX_ARRAY_LENGTH, key, at, "array length");
        return switch (type) {
            case UINT8 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = r.u8(key);
                yield a;
            }
            case INT8 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = r.i8(key);
                yield a;
            }
            case UINT16 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = Short.toUnsignedInt(r.i16(key));
                yield a;
            }
            case INT16 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = r.i16(key);
                yield a;
            }
            case INT32 -> r.i32s(n, key);
            case UINT32 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) a[i] = r.u32(key);
                yield a;
            }
            case UINT64, INT64 -> r.i64s(n, key);
            case FLOAT32 -> r.f32s(n, key);
            case FLOAT64 -> r.f64s(n, key);
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) a[i] = r.i8(key) != 0;
                yield a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) a[i] = r.string(key);
                yield a;
            }
            case ARRAY -> {
                if (depth + 1 >= MAX_ARRAY_NESTING) {
                    throw r.error(key, at, "arrays nested more than " + MAX_ARRAY_NESTING + " deep");
                }
                Object[] a = new Object[n];
                for (int i = 0; i < n; i++) a[i] = readArray(key, depth + 1);
                yield a;
            }
        };
    }

    private int alignment(Map<String, Object> metadata, Map<String, Long> valueOffsets) {
        Object v = metadata.get(ALIGNMENT_KEY);
        if (v == null) return DEFAULT_ALIGNMENT;
        long at = valueOffsets.get(ALIGNMENT_KEY);
        if (!(v instanceof Long a)) throw r.error(ALIGNMENT_KEY, at, "expected an integer, found " + GgufValues.describe(v));
        if (a <= 0 || a > (1 << 30) || (a & (a - 1)) != 0) {
            throw r.error(ALIGNMENT_KEY, at, "alignment " + a + " is not a power of two between 1 and 2^30");
        }
        return (int) (long) a;
    }

    /** A tensor info before its data offset is made absolute. */
    private record PendingTensor(String name, long[] shape, GgmlType type, long byteSize, long relativeOffset) {}

    private PendingTensor readTensorInfo(int index, int alignment) {
        String name = r.string("tensor_infos[" + index + "].name");
        long at = r.position();
        long nDims = r.u32(name);
        if (nDims < 1 || nDims > MAX_DIMS) throw r.error(name, at, "n_dims " + nDims + " is not in 1.." + MAX_DIMS);
        long[] shape = new long[(int) nDims];
        long elements = 1;
        for (int d = 0; d < shape.length; d++) {
            long dimAt = r.position();
            shape[d] = r.i64(name);
            if (shape[d] <= 0) {
                throw r.error(name, dimAt, "dimension " + d + " is " + Long.toUnsignedString(shape[d])
                        + " (must be positive and below 2^63)");
            }
            if (elements > Long.MAX_VALUE / shape[d]) throw r.error(name, dimAt, "element count overflows 64 bits");
            elements *= shape[d];
        }
        long typeAt = r.position();
        long typeId = r.u32(name);
        GgmlType type = typeId < Integer.MAX_VALUE ? GgmlType.fromId((int) typeId) : null;
        if (type == null) throw r.error(name, typeAt, "unknown tensor type id " + typeId);
        if (shape[0] % type.blockSize() != 0) {
            throw r.error(name, at, "row of " + shape[0] + " elements is not a whole number of " + type
                    + " blocks of " + type.blockSize());
        }
        // Kernels index rows and columns with ints (WeightMatrix); no real model comes close.
        if (shape[0] > Integer.MAX_VALUE || elements / shape[0] > Integer.MAX_VALUE) {
            throw r.error(name, at, "too large: rows and columns must each be below 2^31");
        }
        long byteSize = type.byteSize(elements);
        if (byteSize < 0) throw r.error(name, at, "byte size of " + elements + " " + type + " elements overflows");
        long offsetAt = r.position();
        long relativeOffset = r.i64(name);
        if (relativeOffset < 0) {
            throw r.error(name, offsetAt, "data offset " + Long.toUnsignedString(relativeOffset) + " is past the end of the file");
        }
        if (relativeOffset % alignment != 0) {
            throw r.error(name, offsetAt, "data offset " + relativeOffset + " is not a multiple of the alignment " + alignment);
        }
        return new PendingTensor(name, shape, type, byteSize, relativeOffset);
    }

    /** Makes offsets absolute and checks every tensor lies inside the file. */
    private Map<String, GgufTensorInfo> placeTensors(List<PendingTensor> pending, long dataOffset) {
        Map<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
        if (pending.isEmpty()) return tensors; // the data section may then be absent
        long size = r.size();
        if (dataOffset > size) {
            throw r.error("tensor_data", r.position(), "file truncated: the tensor data section should start at "
                    + dataOffset + " but the file has " + size + " bytes");
        }
        long dataBytes = size - dataOffset;
        for (PendingTensor t : pending) {
            long rel = t.relativeOffset;
            if (rel > dataBytes || t.byteSize > dataBytes - rel) {
                throw r.error(t.name, dataOffset + Math.min(rel, dataBytes), "tensor data [" + rel + ", +" + t.byteSize
                        + ") relative to the data section at " + dataOffset + " extends past the end of the file ("
                        + size + " bytes): truncated file?");
            }
            tensors.put(t.name, new GgufTensorInfo(t.name, t.type, t.shape, dataOffset + rel, t.byteSize));
        }
        return tensors;
    }

    static long alignUp(long offset, int alignment) {
        long rem = offset % alignment;
        return rem == 0 ? offset : offset + (alignment - rem);
    }
}
