package dev.kvasir.eval.report;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Appends {@link ResultRow}s to a JSON-lines file, one object per line, flushing after each row
 * so that an interrupted run keeps every answer it produced and can be resumed.
 */
public final class ResultsWriter implements Closeable {
    private final BufferedWriter out;

    public ResultsWriter(Path file) throws IOException {
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public void write(ResultRow row) throws IOException {
        out.write(ResultsJson.toJson(row));
        out.write('\n');
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** The row as one line of a results file (no newline). */
    public static String line(ResultRow row) {
        return ResultsJson.toJson(row);
    }

    /** Appends all rows to {@code file}. */
    public static void writeAll(Path file, List<ResultRow> rows) throws IOException {
        try (ResultsWriter w = new ResultsWriter(file)) {
            for (ResultRow r : rows) w.write(r);
        }
    }
}
