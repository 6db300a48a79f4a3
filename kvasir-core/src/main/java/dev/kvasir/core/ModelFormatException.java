package dev.kvasir.core;

import java.nio.file.Path;

/**
 * A model file (GGUF, safetensors, config.json, tokenizer.json) that cannot be used. The message
 * always names the file, and where it applies the field and the byte offset, so a user can
 * tell a truncated download from an unsupported format.
 */
public class ModelFormatException extends RuntimeException {
    private final Path file;
    private final String field;
    private final long offset;

    public ModelFormatException(Path file, String field, long offset, String problem) {
        super(format(file, field, offset, problem));
        this.file = file;
        this.field = field;
        this.offset = offset;
    }

    public ModelFormatException(Path file, String problem, Throwable cause) {
        super(format(file, null, -1, problem), cause);
        this.file = file;
        this.field = null;
        this.offset = -1;
    }

    private static String format(Path file, String field, long offset, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<model>" : file.toString());
        if (field != null) sb.append(": field '").append(field).append('\'');
        if (offset >= 0) sb.append(" at offset ").append(offset);
        sb.append(": ").append(problem);
        return sb.toString();
    }

    public Path file() { return file; }

    /** The metadata key, tensor name or JSON field concerned, or null. */
    public String field() { return field; }

    /** The byte offset in the file, or -1 when not applicable. */
    public long offset() { return offset; }
}
