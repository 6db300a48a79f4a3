package dev.kvasir.core.hf;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.json.Json;
import dev.kvasir.core.json.JsonException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a mapped safetensors file: a little-endian u64 header length N, N bytes of
 * JSON mapping each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative
 * to the data section that follows the header), and an optional {@code __metadata__} string map.
 * Every tensor's extent is checked against its shape and the file, so data reads cannot go out
 * of bounds.
 */
final class SafetensorsParser {
    static final String METADATA_KEY = "__metadata__";
    /** The reference implementation's limit; a larger header is a corrupt length, not a model. */
    static final long MAX_HEADER_BYTES = 100_000_000;
    private static final long HEADER_START = 8;

    record Result(long dataOffset, Map<String, String> metadata, Map<String, SafetensorsTensor> tensors) {}

    private final Path file;
    private final MemorySegment data;

    private SafetensorsParser(Path file, MemorySegment data) {
        this.file = file;
        this.data = data;
    }

    /** Parses {@code data}; every problem is a {@link ModelFormatException} naming {@code file}. */
    static Result parse(Path file, MemorySegment data) {
        try {
            return new SafetensorsParser(file, data).parse();
        } catch (ModelFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelFormatException(file, "internal parse error (" + e + ")", e);
        }
    }

    private ModelFormatException error(String field, long offset, String problem) {
        return new ModelFormatException(file, field, offset, problem);
    }

    private Result parse() {
        long size = data.byteSize();
        if (size < HEADER_START) {
            throw error("header_length", 0, "file truncated: the header length needs 8 bytes but the file has " + size);
        }
        long headerLength = data.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength < 0 || headerLength > size - HEADER_START) {
            throw error("header_length", 0, "header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the " + (size - HEADER_START) + " bytes after it: truncated or not a safetensors file");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw error("header_length", 0, "header length " + headerLength + " is above the limit of " + MAX_HEADER_BYTES);
        }
        byte[] headerBytes = new byte[(int) headerLength];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, HEADER_START, headerBytes, 0, headerBytes.length);
        Map<String, Object> header = parseHeader(new String(headerBytes, StandardCharsets.UTF_8));

        long dataOffset = HEADER_START + headerLength;
        long dataBytes = size - dataOffset;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) readMetadata(e.getValue(), metadata);
            else tensors.put(e.getKey(), readTensor(e.getKey(), e.getValue(), dataOffset, dataBytes));
        }
        checkNoOverlap(tensors.values());
        return new Result(dataOffset, metadata, tensors);
    }

    private Map<String, Object> parseHeader(String text) {
        Object header;
        try {
            header = Json.parse(text, "safetensors header");
        } catch (JsonException e) {
            throw error("header", HEADER_START, e.getMessage());
        }
        if (!(header instanceof Map)) throw error("header", HEADER_START, "the header is not a JSON object");
        return Json.asObject(header, "header");
    }

    /** {@code __metadata__} is free-form string pairs (e.g. "format": "pt"); anything else is ignored. */
    private static void readMetadata(Object value, Map<String, String> metadata) {
        if (!(value instanceof Map<?, ?> m)) return;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getValue() instanceof String s) metadata.put(String.valueOf(e.getKey()), s);
        }
    }

    private SafetensorsTensor readTensor(String name, Object value, long dataOffset, long dataBytes) {
        if (!(value instanceof Map<?, ?> entry)) {
            throw error(name, HEADER_START, "expected an object with dtype, shape and data_offsets");
        }
        if (!(entry.get("dtype") instanceof String dtypeName)) throw error(name, HEADER_START, "missing or non-string dtype");
        SafetensorsDtype dtype = SafetensorsDtype.fromName(dtypeName);
        if (dtype == null) throw error(name, HEADER_START, "unknown dtype '" + dtypeName + "'");

        long[] shape = longs(name, "shape", entry.get("shape"), -1);
        // Kernels index rows and columns with ints; bounding both first also rules out overflow below.
        long cols = shape.length == 0 ? 1 : shape[shape.length - 1];
        long rows = 1;
        for (int i = 0; i < shape.length - 1 && rows <= Integer.MAX_VALUE; i++) {
            rows = shape[i] > Integer.MAX_VALUE ? Long.MAX_VALUE : rows * shape[i];
        }
        if (cols > Integer.MAX_VALUE || rows > Integer.MAX_VALUE) {
            throw error(name, HEADER_START, "too large: rows and columns must each be below 2^31");
        }
        long elements = rows * cols;
        if (elements > Long.MAX_VALUE / dtype.size) throw error(name, HEADER_START, "byte size overflows 64 bits");
        long byteSize = elements * dtype.size;

        long[] offsets = longs(name, "data_offsets", entry.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) throw error(name, HEADER_START, "data_offsets [" + begin + ", " + end + "] run backwards");
        if (end > dataBytes) {
            throw error(name, dataOffset + Math.min(begin, dataBytes), "data_offsets [" + begin + ", " + end
                    + "] extend past the " + dataBytes + " bytes of the data section: truncated file?");
        }
        if (end - begin != byteSize) {
            throw error(name, dataOffset + begin, "data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes but shape and dtype " + dtype + " need " + byteSize);
        }
        return new SafetensorsTensor(name, dtypeName, shape, dataOffset + begin, byteSize);
    }

    /** A JSON array of non-negative integers, of length {@code expectedLength} unless it is -1. */
    private long[] longs(String name, String field, Object value, int expectedLength) {
        if (!(value instanceof List<?> list)) throw error(name, HEADER_START, "missing or non-array " + field);
        if (expectedLength >= 0 && list.size() != expectedLength) {
            throw error(name, HEADER_START, field + " has " + list.size() + " entries, expected " + expectedLength);
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long l) || l < 0) {
                throw error(name, HEADER_START, field + "[" + i + "] is " + list.get(i) + ", expected a non-negative integer");
            }
            out[i] = l;
        }
        return out;
    }

    private void checkNoOverlap(Iterable<SafetensorsTensor> tensors) {
        List<SafetensorsTensor> sorted = new ArrayList<>();
        tensors.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(SafetensorsTensor::offset));
        for (int i = 1; i < sorted.size(); i++) {
            SafetensorsTensor prev = sorted.get(i - 1);
            SafetensorsTensor cur = sorted.get(i);
            if (prev.offset() + prev.byteSize() > cur.offset()) {
                throw error(cur.name(), cur.offset(), "data overlaps tensor " + prev.name());
            }
        }
    }
}
