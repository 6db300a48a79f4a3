package dev.kvasir.core.util;

import dev.kvasir.core.ModelFormatException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Read-only memory mapping of whole model files. The mapping lives as long as the given arena,
 * not the channel: weights are read in place, never copied to the heap.
 */
public final class MappedFiles {
    private MappedFiles() {}

    /**
     * Maps all of {@code path} into {@code arena}. A missing file or a directory is a
     * {@link ModelFormatException} (the user gave a wrong path); other I/O failures are an
     * {@link UncheckedIOException} whose message names the path.
     */
    public static MemorySegment map(Path path, Arena arena) {
        if (Files.isDirectory(path)) throw new ModelFormatException(path, null, -1, "is a directory, not a model file");
        if (!Files.exists(path)) throw new ModelFormatException(path, null, -1, "no such file");
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** What a file format builds from a mapped file: it owns {@code arena} from then on. */
    @FunctionalInterface
    public interface Opener<T> {
        T open(Arena arena, MemorySegment data);
    }

    /**
     * Maps {@code path} into a new shared arena and hands both to {@code opener} (typically: parse
     * the header and wrap the mapping); if mapping or parsing fails, the arena is closed so that
     * no mapping is left behind.
     */
    public static <T> T open(Path path, Opener<T> opener) {
        Arena arena = Arena.ofShared();
        try {
            return opener.open(arena, map(path, arena));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }
}
