package dev.kvasir.eval.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads JSON-lines files: one object per non-blank line; errors name the file and line. */
public final class Jsonl {
    private Jsonl() {}

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static List<JsonNode> read(Path file) {
        List<JsonNode> rows = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = r.readLine()) != null) {
                number++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = MAPPER.readTree(line);
                } catch (IOException e) {
                    throw new IllegalArgumentException(file + ":" + number + ": invalid JSON: " + e.getMessage(), e);
                }
                if (!node.isObject()) throw new IllegalArgumentException(file + ":" + number + ": expected a JSON object");
                rows.add(node);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return rows;
    }

    /** A required text field. */
    public static String text(JsonNode row, String field, Path file) {
        JsonNode v = row.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException(file + ": a row has no '" + field + "' field");
        return v.asText();
    }

    /** A list of strings from an array field (a single string becomes a one-element list); empty when absent or null. */
    public static List<String> strings(JsonNode row, String field) {
        JsonNode v = row.get(field);
        if (v == null || v.isNull()) return List.of();
        if (!v.isArray()) return List.of(v.asText());
        List<String> out = new ArrayList<>();
        v.forEach(e -> out.add(e.asText()));
        return out;
    }

    static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
