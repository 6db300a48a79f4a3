package dev.kvasir.core.gguf;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.util.MappedFiles;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A GGUF model file (versions 2 and 3), memory-mapped: metadata is parsed onto the heap, tensor
 * data stays in the mapping and is handed out as slices. Closing the file unmaps it, after which
 * those slices must not be used.
 *
 * <p>Metadata values are represented as follows: every integer scalar (8 to 64 bits, signed or
 * not) is a {@link Long} (a uint64 above {@code Long.MAX_VALUE} reads as negative); float32 is a
 * {@link Float}, float64 a {@link Double}, bool a {@link Boolean}, string a {@link String}.
 * Arrays: of strings {@code String[]}; of int8/uint8/int16/uint16/int32 {@code int[]} (unsigned
 * values zero-extended); of uint32/int64/uint64 {@code long[]}; of float32 {@code float[]}; of
 * float64 {@code double[]}; of bool {@code boolean[]}; of arrays {@code Object[]}.
 *
 * <p>Every structural problem, including truncation anywhere, is reported by {@link #open} as a
 * {@link ModelFormatException} naming the file, the field and the byte offset.
 */
public final class GgufFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final int version;
    private final int alignment;
    private final long dataOffset;
    private final Map<String, Object> metadata;
    private final Map<String, Long> valueOffsets;
    private final Map<String, GgufTensorInfo> tensors;
    private final List<GgufTensorInfo> tensorList;
    private boolean closed;

    private GgufFile(Path path, Arena arena, MemorySegment data, GgufParser.Result parsed) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.version = parsed.version();
        this.alignment = parsed.alignment();
        this.dataOffset = parsed.dataOffset();
        this.metadata = Collections.unmodifiableMap(parsed.metadata());
        this.valueOffsets = parsed.valueOffsets();
        this.tensors = parsed.tensors();
        this.tensorList = List.copyOf(parsed.tensors().values());
    }

    /**
     * Maps and parses {@code path}. A missing file, a directory or a malformed file is a
     * {@link ModelFormatException}; other I/O errors an {@link java.io.UncheckedIOException}.
     */
    public static GgufFile open(Path path) {
        return MappedFiles.open(path, (arena, data) -> new GgufFile(path, arena, data, GgufParser.parse(path, data)));
    }

    /**
     * Parses GGUF bytes already in memory; {@code name} is used in error messages. Closing the
     * result does not free {@code data}. For tests and fuzzing without temporary files.
     */
    static GgufFile parse(Path name, MemorySegment data) {
        return new GgufFile(name, null, data, GgufParser.parse(name, data));
    }

    public Path path() { return path; }

    public long fileSize() { return data.byteSize(); }

    public int version() { return version; }

    /** The alignment of tensor data ({@code general.alignment}, default 32). */
    public int alignment() { return alignment; }

    /** Absolute offset of the tensor data section. */
    public long dataOffset() { return dataOffset; }

    /** All metadata in file order (read-only; the arrays in it are shared, do not modify them). */
    public Map<String, Object> metadata() { return metadata; }

    public List<GgufTensorInfo> tensors() { return tensorList; }

    public Optional<GgufTensorInfo> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The data of a tensor of this file, as a slice of the mapping (no copy). */
    public MemorySegment tensorData(GgufTensorInfo tensor) {
        if (!tensor.equals(tensors.get(tensor.name()))) {
            throw new IllegalArgumentException("tensor " + tensor.name() + " is not one of " + path);
        }
        return data.asSlice(tensor.offset(), tensor.byteSize());
    }

    /** Fails with a clear message when Kvasir has no kernels for the tensor's type. */
    public void requireSupported(GgufTensorInfo tensor) {
        if (tensor.type().supported()) return;
        String supported = Arrays.stream(GgmlType.values()).filter(GgmlType::supported)
                .map(GgmlType::name).collect(Collectors.joining(", "));
        throw new ModelFormatException(path, tensor.name(), tensor.offset(),
                "tensor type " + tensor.type() + " is not supported (supported: " + supported + ")");
    }

    /** {@code general.architecture}, e.g. "llama". */
    public String architecture() { return getString("general.architecture"); }

    // ---- typed metadata access: a missing key or a value of the wrong type names the key ------

    public String getString(String key) {
        Object v = required(key);
        if (v instanceof String s) return s;
        throw wrongType(key, v, "a string");
    }

    public Optional<String> findString(String key) {
        Object v = metadata.get(key);
        if (v == null) return Optional.empty();
        if (v instanceof String s) return Optional.of(s);
        throw wrongType(key, v, "a string");
    }

    public long getLong(String key) {
        Object v = required(key);
        if (v instanceof Long l) return l;
        throw wrongType(key, v, "an integer");
    }

    public long getLong(String key, long dflt) {
        return metadata.containsKey(key) ? getLong(key) : dflt;
    }

    /** A float32, float64 or integer value as a float. */
    public float getFloat(String key, float dflt) {
        Object v = metadata.get(key);
        return switch (v) {
            case null -> dflt;
            case Float f -> f;
            case Double d -> d.floatValue();
            case Long l -> l.floatValue();
            default -> throw wrongType(key, v, "a number");
        };
    }

    public boolean getBoolean(String key, boolean dflt) {
        Object v = metadata.get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw wrongType(key, v, "a bool");
    }

    public String[] getStringArray(String key) {
        Object v = required(key);
        if (v instanceof String[] a) return a.clone();
        throw wrongType(key, v, "an array of strings");
    }

    /** An integer array; a uint32/int64 array is accepted when all its values fit in an int. */
    public int[] getIntArray(String key) {
        Object v = required(key);
        if (v instanceof int[] a) return a.clone();
        if (v instanceof long[] a) {
            int[] out = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                if (a[i] != (int) a[i]) throw wrongType(key, v, "an array of 32-bit integers (element " + i + " is " + a[i] + ")");
                out[i] = (int) a[i];
            }
            return out;
        }
        throw wrongType(key, v, "an array of integers");
    }

    /** A float32 array (a float64 array is narrowed). */
    public float[] getFloatArray(String key) {
        Object v = required(key);
        if (v instanceof float[] a) return a.clone();
        if (v instanceof double[] a) {
            float[] out = new float[a.length];
            for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
            return out;
        }
        throw wrongType(key, v, "an array of floats");
    }

    private Object required(String key) {
        Object v = metadata.get(key);
        if (v == null) throw new ModelFormatException(path, key, -1, "missing metadata key");
        return v;
    }

    private ModelFormatException wrongType(String key, Object v, String expected) {
        return new ModelFormatException(path, key, valueOffsets.getOrDefault(key, -1L),
                "expected " + expected + ", found " + GgufValues.describe(v));
    }

    /** Unmaps the file; tensor data slices handed out before become invalid. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (arena != null) arena.close();
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version + ", " + metadata.size() + " keys, " + tensorList.size() + " tensors]";
    }
}
