package dev.kvasir.core.hf;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.json.Json;
import dev.kvasir.core.json.JsonException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Reads the small JSON files of a Hugging Face checkpoint, reporting problems against the file. */
final class JsonFiles {
    private JsonFiles() {}

    /** The top-level object of a JSON file. */
    static Map<String, Object> readObject(Path path) {
        if (Files.isDirectory(path)) throw new ModelFormatException(path, null, -1, "is a directory, not a JSON file");
        if (!Files.exists(path)) throw new ModelFormatException(path, null, -1, "no such file");
        String text;
        try {
            text = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        Object value;
        try {
            value = Json.parse(text, "JSON");
        } catch (JsonException e) {
            throw new ModelFormatException(path, null, -1, e.getMessage());
        }
        if (!(value instanceof Map)) throw new ModelFormatException(path, null, 0, "expected a JSON object at the top level");
        return Json.asObject(value, path.toString());
    }
}
