package dev.kvasir.eval.report;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads result rows from a JSON-lines file, or from every {@code *.jsonl} file below a directory
 * (in path order). An unterminated last line that does not parse (a run killed mid-write) is
 * ignored; any other bad line is an error.
 */
public final class ResultsReader {
    private ResultsReader() {}

    public static List<ResultRow> read(Path fileOrDirectory) throws IOException {
        List<Path> files;
        if (Files.isDirectory(fileOrDirectory)) {
            try (Stream<Path> s = Files.walk(fileOrDirectory)) {
                files = s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
            }
        } else {
            files = List.of(fileOrDirectory);
        }
        List<ResultRow> rows = new ArrayList<>();
        for (Path f : files) rows.addAll(readFile(f));
        return rows;
    }

    private static List<ResultRow> readFile(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        // a run killed while writing leaves at most its last line unterminated: that line is dropped
        boolean unterminated = !text.isEmpty() && !text.endsWith("\n");
        List<String> lines = text.lines().toList();
        List<ResultRow> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            try {
                rows.add(ResultsJson.MAPPER.readValue(line, ResultRow.class));
            } catch (JsonProcessingException e) {
                if (unterminated && i == lines.size() - 1) break;
                throw new IOException(file + ":" + (i + 1) + ": not a result row: " + e.getOriginalMessage(), e);
            }
        }
        return rows;
    }
}
