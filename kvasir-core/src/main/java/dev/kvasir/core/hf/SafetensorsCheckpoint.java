package dev.kvasir.core.hf;

import dev.kvasir.core.ModelFormatException;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The weights of a Hugging Face checkpoint: one {@code model.safetensors}, or several shards
 * listed by {@code model.safetensors.index.json} (its {@code weight_map} maps each tensor name to
 * a shard file). Tensors are looked up by name across all shards.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> shardByTensor;
    private final Map<String, SafetensorsTensor> tensors;
    private final List<SafetensorsTensor> tensorList;

    private SafetensorsCheckpoint(List<SafetensorsFile> shards, Map<String, SafetensorsFile> shardByTensor,
                                  Map<String, SafetensorsTensor> tensors) {
        this.shards = List.copyOf(shards);
        this.shardByTensor = shardByTensor;
        this.tensors = tensors;
        this.tensorList = List.copyOf(tensors.values());
    }

    /**
     * Opens a checkpoint from a model directory (the index if present, else model.safetensors),
     * an index file, or a single .safetensors file.
     */
    public static SafetensorsCheckpoint open(Path path) {
        if (Files.isDirectory(path)) {
            Path index = path.resolve(INDEX_FILE);
            return Files.exists(index) ? openIndex(index) : openFiles(List.of(path.resolve(SINGLE_FILE)));
        }
        if (path.getFileName() != null && path.getFileName().toString().endsWith(".json")) return openIndex(path);
        return openFiles(List.of(path));
    }

    private static SafetensorsCheckpoint openIndex(Path index) {
        Map<String, Object> json = JsonFiles.readObject(index);
        if (!(json.get("weight_map") instanceof Map<?, ?> weightMap)) {
            throw new ModelFormatException(index, "weight_map", -1, "missing or not an object");
        }
        Path dir = index.toAbsolutePath().getParent();
        Map<String, Path> listed = new LinkedHashMap<>();
        Set<Path> shardPaths = new LinkedHashSet<>();
        for (Map.Entry<?, ?> e : weightMap.entrySet()) {
            String tensor = String.valueOf(e.getKey());
            if (!(e.getValue() instanceof String file)) {
                throw new ModelFormatException(index, "weight_map." + tensor, -1, "expected a shard file name");
            }
            Path shard = shardPath(index, dir, tensor, file);
            listed.put(tensor, shard);
            shardPaths.add(shard);
        }
        if (shardPaths.isEmpty()) throw new ModelFormatException(index, "weight_map", -1, "lists no tensors");
        SafetensorsCheckpoint checkpoint = openFiles(List.copyOf(shardPaths));
        try {
            for (Map.Entry<String, Path> e : listed.entrySet()) {
                SafetensorsFile shard = checkpoint.shardByTensor.get(e.getKey());
                if (shard == null || !shard.path().equals(e.getValue())) {
                    throw new ModelFormatException(index, "weight_map." + e.getKey(), -1,
                            "tensor is not in its listed shard " + e.getValue().getFileName());
                }
            }
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
        return checkpoint;
    }

    /** Shard names are plain file names beside the index; anything reaching elsewhere is refused. */
    private static Path shardPath(Path index, Path dir, String tensor, String file) {
        Path name = Path.of(file);
        if (name.isAbsolute() || name.getNameCount() != 1 || file.isBlank() || file.equals(".") || file.equals("..")) {
            throw new ModelFormatException(index, "weight_map." + tensor, -1, "shard '" + file + "' is not a file beside the index");
        }
        return dir.resolve(name).normalize();
    }

    private static SafetensorsCheckpoint openFiles(List<Path> paths) {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> shardByTensor = new HashMap<>();
            Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
            for (Path p : paths) {
                SafetensorsFile shard = SafetensorsFile.open(p);
                opened.add(shard);
                for (SafetensorsTensor t : shard.tensors()) {
                    SafetensorsFile other = shardByTensor.putIfAbsent(t.name(), shard);
                    if (other != null) {
                        throw new ModelFormatException(p, t.name(), t.offset(), "tensor is also in " + other.path().getFileName());
                    }
                    tensors.put(t.name(), t);
                }
            }
            return new SafetensorsCheckpoint(opened, shardByTensor, tensors);
        } catch (RuntimeException | Error e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    public List<SafetensorsFile> shards() { return shards; }

    /** All tensors, shard by shard in header order. */
    public List<SafetensorsTensor> tensors() { return tensorList; }

    public Optional<SafetensorsTensor> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The shard holding a tensor of this checkpoint. */
    public SafetensorsFile shardOf(SafetensorsTensor tensor) {
        SafetensorsFile shard = shardByTensor.get(tensor.name());
        if (shard == null) throw new IllegalArgumentException("tensor " + tensor.name() + " is not in this checkpoint");
        return shard;
    }

    /** The data of a tensor, as a slice of its shard's mapping (no copy). */
    public MemorySegment data(SafetensorsTensor tensor) {
        return shardOf(tensor).data(tensor);
    }

    public void requireSupported(SafetensorsTensor tensor) {
        shardOf(tensor).requireSupported(tensor);
    }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }
}
