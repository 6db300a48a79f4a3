package dev.kvasir.core.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes small GGUF files for tests: valid ones by default, and malformed ones through the raw
 * hooks ({@link #magic}, {@link #version}, {@link #tensorCount}, {@link #kvCount},
 * {@link #putRaw}, {@link #addRawTensorInfo}).
 *
 * <pre>{@code
 * byte[] gguf = new GgufWriter()
 *         .putString("general.architecture", "llama")
 *         .putUInt32("llama.block_count", 2)
 *         .addF32Tensor("token_embd.weight", new float[8 * 4], 8, 4)
 *         .toBytes();
 * }</pre>
 */
public final class GgufWriter {
    public static final int TYPE_UINT8 = 0;
    public static final int TYPE_INT8 = 1;
    public static final int TYPE_UINT16 = 2;
    public static final int TYPE_INT16 = 3;
    public static final int TYPE_UINT32 = 4;
    public static final int TYPE_INT32 = 5;
    public static final int TYPE_FLOAT32 = 6;
    public static final int TYPE_BOOL = 7;
    public static final int TYPE_STRING = 8;
    public static final int TYPE_ARRAY = 9;
    public static final int TYPE_UINT64 = 10;
    public static final int TYPE_INT64 = 11;
    public static final int TYPE_FLOAT64 = 12;

    public static final int MAGIC = 0x46554747; // "GGUF"

    private record Kv(String key, int type, byte[] value) {}

    /** A tensor info; {@code data == null} for a raw info whose offset is given, with no data written. */
    private record Tensor(String name, long[] dims, int typeId, byte[] data, long rawOffset) {}

    private int magic = MAGIC;
    private int version = 3;
    private int alignment = 32;
    private Long tensorCountOverride;
    private Long kvCountOverride;
    private final List<Kv> kvs = new ArrayList<>();
    private final List<Tensor> tensors = new ArrayList<>();

    public GgufWriter magic(int magic) {
        this.magic = magic;
        return this;
    }

    public GgufWriter version(int version) {
        this.version = version;
        return this;
    }

    /** Sets the data alignment and writes it as {@code general.alignment} (uint32). */
    public GgufWriter alignment(int alignment) {
        this.alignment = alignment;
        return putUInt32("general.alignment", alignment);
    }

    /** Writes this tensor_count instead of the real one. */
    public GgufWriter tensorCount(long raw) {
        this.tensorCountOverride = raw;
        return this;
    }

    /** Writes this metadata_kv_count instead of the real one. */
    public GgufWriter kvCount(long raw) {
        this.kvCountOverride = raw;
        return this;
    }

    // ---- metadata -------------------------------------------------------------------------

    /** A key with any type id and pre-encoded value bytes (see the static encoders below). */
    public GgufWriter putRaw(String key, int type, byte[] value) {
        kvs.add(new Kv(key, type, value));
        return this;
    }

    public GgufWriter putUInt8(String key, int v) { return putRaw(key, TYPE_UINT8, le(1).put((byte) v).array()); }

    public GgufWriter putInt8(String key, int v) { return putRaw(key, TYPE_INT8, le(1).put((byte) v).array()); }

    public GgufWriter putUInt16(String key, int v) { return putRaw(key, TYPE_UINT16, le(2).putShort((short) v).array()); }

    public GgufWriter putInt16(String key, int v) { return putRaw(key, TYPE_INT16, le(2).putShort((short) v).array()); }

    public GgufWriter putUInt32(String key, long v) { return putRaw(key, TYPE_UINT32, le(4).putInt((int) v).array()); }

    public GgufWriter putInt32(String key, int v) { return putRaw(key, TYPE_INT32, le(4).putInt(v).array()); }

    public GgufWriter putUInt64(String key, long v) { return putRaw(key, TYPE_UINT64, le(8).putLong(v).array()); }

    public GgufWriter putInt64(String key, long v) { return putRaw(key, TYPE_INT64, le(8).putLong(v).array()); }

    public GgufWriter putFloat32(String key, float v) { return putRaw(key, TYPE_FLOAT32, le(4).putFloat(v).array()); }

    public GgufWriter putFloat64(String key, double v) { return putRaw(key, TYPE_FLOAT64, le(8).putDouble(v).array()); }

    public GgufWriter putBool(String key, boolean v) { return putRaw(key, TYPE_BOOL, new byte[] {(byte) (v ? 1 : 0)}); }

    public GgufWriter putString(String key, String v) { return putRaw(key, TYPE_STRING, string(v)); }

    public GgufWriter putStringArray(String key, String... values) {
        ByteArrayOutputStream elems = new ByteArrayOutputStream();
        for (String s : values) elems.writeBytes(string(s));
        return putRaw(key, TYPE_ARRAY, array(TYPE_STRING, values.length, elems.toByteArray()));
    }

    public GgufWriter putInt32Array(String key, int... values) {
        ByteBuffer b = le(4 * values.length);
        for (int v : values) b.putInt(v);
        return putRaw(key, TYPE_ARRAY, array(TYPE_INT32, values.length, b.array()));
    }

    public GgufWriter putFloat32Array(String key, float... values) {
        ByteBuffer b = le(4 * values.length);
        for (float v : values) b.putFloat(v);
        return putRaw(key, TYPE_ARRAY, array(TYPE_FLOAT32, values.length, b.array()));
    }

    // ---- encoders for putRaw -----------------------------------------------------------------

    /** A GGUF string: u64 byte length then UTF-8 bytes. */
    public static byte[] string(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A GGUF string from raw bytes (e.g. invalid UTF-8). */
    public static byte[] bytes(byte[] raw) {
        return le(8 + raw.length).putLong(raw.length).put(raw).array();
    }

    /** An array value: u32 element type, u64 count (which may lie), then the encoded elements. */
    public static byte[] array(int elementType, long count, byte[] encodedElements) {
        return le(12 + encodedElements.length).putInt(elementType).putLong(count).put(encodedElements).array();
    }

    public static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    // ---- tensors ----------------------------------------------------------------------------

    /** A tensor with its data; {@code shape} in ggml order ({@code shape[0]} = elements per row). */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, byte[] data) {
        tensors.add(new Tensor(name, shape.clone(), type.id(), data.clone(), -1));
        return this;
    }

    public GgufWriter addF32Tensor(String name, float[] values, long... shape) {
        ByteBuffer b = le(4 * values.length);
        for (float v : values) b.putFloat(v);
        return addTensor(name, GgmlType.F32, shape, b.array());
    }

    /** A tensor info written as given (any n_dims, type id and relative offset), with no data. */
    public GgufWriter addRawTensorInfo(String name, long[] dims, int typeId, long relativeOffset) {
        tensors.add(new Tensor(name, dims.clone(), typeId, null, relativeOffset));
        return this;
    }

    // ---- output -----------------------------------------------------------------------------

    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(le(24).putInt(magic).putInt(version)
                .putLong(tensorCountOverride != null ? tensorCountOverride : tensors.size())
                .putLong(kvCountOverride != null ? kvCountOverride : kvs.size()).array());
        for (Kv kv : kvs) {
            out.writeBytes(string(kv.key));
            out.writeBytes(le(4).putInt(kv.type).array());
            out.writeBytes(kv.value);
        }
        long relative = 0;
        List<byte[]> data = new ArrayList<>();
        for (Tensor t : tensors) {
            long offset = t.rawOffset;
            if (t.data != null) {
                offset = relative;
                data.add(t.data);
                relative = alignUp(relative + t.data.length);
            }
            out.writeBytes(string(t.name));
            ByteBuffer info = le(4 + 8 * t.dims.length + 4 + 8).putInt(t.dims.length);
            for (long d : t.dims) info.putLong(d);
            out.writeBytes(info.putInt(t.typeId).putLong(offset).array());
        }
        if (!data.isEmpty()) {
            pad(out);
            for (byte[] d : data) {
                out.writeBytes(d);
                pad(out);
            }
        }
        return out.toByteArray();
    }

    public Path write(Path file) {
        try {
            return Files.write(file, toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long alignUp(long n) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private void pad(ByteArrayOutputStream out) {
        out.writeBytes(new byte[(int) (alignUp(out.size()) - out.size())]);
    }
}
