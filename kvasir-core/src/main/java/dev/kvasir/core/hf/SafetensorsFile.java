package dev.kvasir.core.hf;

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
 * A safetensors file, memory-mapped: the JSON header is parsed onto the heap, tensor data stays
 * in the mapping and is handed out as slices. Closing the file unmaps it, after which those
 * slices must not be used. Malformed files are reported by {@link #open} as a
 * {@link ModelFormatException} naming the file, the tensor and the byte offset.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final long dataOffset;
    private final Map<String, String> metadata;
    private final Map<String, SafetensorsTensor> tensors;
    private final List<SafetensorsTensor> tensorList;
    private boolean closed;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, SafetensorsParser.Result parsed) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.dataOffset = parsed.dataOffset();
        this.metadata = Collections.unmodifiableMap(parsed.metadata());
        this.tensors = parsed.tensors();
        this.tensorList = List.copyOf(parsed.tensors().values());
    }

    /**
     * Maps and parses {@code path}. A missing file, a directory or a malformed file is a
     * {@link ModelFormatException}; other I/O errors an {@link java.io.UncheckedIOException}.
     */
    public static SafetensorsFile open(Path path) {
        return MappedFiles.open(path, (arena, data) -> new SafetensorsFile(path, arena, data, SafetensorsParser.parse(path, data)));
    }

    /** Parses bytes already in memory ({@code name} is for messages). For tests and fuzzing. */
    static SafetensorsFile parse(Path name, MemorySegment data) {
        return new SafetensorsFile(name, null, data, SafetensorsParser.parse(name, data));
    }

    public Path path() { return path; }

    public long fileSize() { return data.byteSize(); }

    /** Absolute offset of the data section (8 + header length). */
    public long dataOffset() { return dataOffset; }

    /** The string entries of {@code __metadata__} (e.g. "format" → "pt"). */
    public Map<String, String> metadata() { return metadata; }

    /** Tensors in header order. */
    public List<SafetensorsTensor> tensors() { return tensorList; }

    public Optional<SafetensorsTensor> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The data of a tensor of this file, as a slice of the mapping (no copy). */
    public MemorySegment data(SafetensorsTensor tensor) {
        if (!tensor.equals(tensors.get(tensor.name()))) {
            throw new IllegalArgumentException("tensor " + tensor.name() + " is not one of " + path);
        }
        return data.asSlice(tensor.offset(), tensor.byteSize());
    }

    /** Fails with a clear message unless the tensor's dtype is one Kvasir computes with. */
    public void requireSupported(SafetensorsTensor tensor) {
        if (tensor.supported()) return;
        String supported = Arrays.stream(SafetensorsDtype.values()).filter(SafetensorsDtype::supported)
                .map(Enum::name).collect(Collectors.joining(", "));
        throw new ModelFormatException(path, tensor.name(), tensor.offset(),
                "dtype " + tensor.dtype() + " is not supported (supported: " + supported + ")");
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
        return "SafetensorsFile[" + path + ", " + tensorList.size() + " tensors]";
    }
}
