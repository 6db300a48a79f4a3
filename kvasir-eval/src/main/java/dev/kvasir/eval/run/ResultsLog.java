package dev.kvasir.eval.run;

import dev.kvasir.eval.report.ResultRow;
import dev.kvasir.eval.report.ResultsReader;
import dev.kvasir.eval.report.ResultsWriter;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The results file a run appends to, and the rows already in its directory. Opening it repairs
 * a partial last line left by a killed run (the line is cut off, its row is recomputed) and
 * collects the keys of every row of every {@code *.jsonl} file in the directory, so that a
 * re-run — or a shard whose results were copied next to others — skips what is done.
 */
public final class ResultsLog implements Closeable {
    private final Path file;
    private final Set<String> done = new HashSet<>();
    private final int repairedBytes;
    private ResultsWriter writer;

    private ResultsLog(Path file, int repairedBytes) {
        this.file = file;
        this.repairedBytes = repairedBytes;
    }

    public static ResultsLog open(Path dir, String fileName) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(fileName);
        ResultsLog log = new ResultsLog(file, dropPartialLastLine(file));
        for (ResultRow r : ResultsReader.read(dir)) log.done.add(RowKey.of(r));
        return log;
    }

    public Path file() {
        return file;
    }

    /** Bytes of an unfinished last line removed on opening (0 normally). */
    public int repairedBytes() {
        return repairedBytes;
    }

    public boolean isDone(String key) {
        return done.contains(key);
    }

    public int doneCount() {
        return done.size();
    }

    /** Appends and flushes one row. */
    public void append(ResultRow row) throws IOException {
        if (writer == null) writer = new ResultsWriter(file);
        writer.write(row);
        done.add(RowKey.of(row));
    }

    @Override
    public void close() throws IOException {
        if (writer != null) writer.close();
    }

    /** Cuts the file after its last newline; returns how many bytes were dropped. */
    static int dropPartialLastLine(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long keep = size;
            ByteBuffer one = ByteBuffer.allocate(1);
            while (keep > 0) {
                one.clear();
                ch.read(one, keep - 1);
                if (one.get(0) == '\n') break;
                keep--;
            }
            if (keep < size) ch.truncate(keep);
            return (int) (size - keep);
        }
    }
}
