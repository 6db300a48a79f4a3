package dev.kvasir.eval.run;

import dev.kvasir.eval.report.ResultRow;
import dev.kvasir.eval.report.ResultsReader;
import dev.kvasir.eval.report.ResultsWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The part of a results directory that can be committed: every row without its texts (the
 * generated answer and the references, which quote copyrighted essays and LongBench summaries),
 * in {@code scores/<results file>.ndjson}. The extension keeps the files out of the readers of
 * {@code *.jsonl}; {@link #restore} puts the rows back as results rows, so that a long sweep run
 * over several sessions, or on several machines, resumes from what was committed and a fresh
 * clone can redraw the report. Rows are sorted by key, so that a longer run only adds lines.
 */
public final class ScoreArchive {
    public static final String FOLDER = "scores";
    private static final String EXTENSION = ".ndjson";

    private ScoreArchive() {}

    /** Rewrites {@code dir/scores/} from the directory's results files; returns the rows archived. */
    public static int save(Path dir) throws IOException {
        Map<String, List<ResultRow>> byFile = new LinkedHashMap<>();
        for (Path file : resultFiles(dir)) {
            String name = archiveName(file.getFileName().toString());
            byFile.computeIfAbsent(name, k -> new ArrayList<>()).addAll(ResultsReader.read(file));
        }
        if (byFile.isEmpty()) return 0;
        Path folder = Files.createDirectories(dir.resolve(FOLDER));
        int count = 0;
        for (Map.Entry<String, List<ResultRow>> e : byFile.entrySet()) {
            Map<String, ResultRow> unique = new LinkedHashMap<>();
            for (ResultRow r : e.getValue()) unique.putIfAbsent(RowKey.of(r), withoutText(r));
            StringBuilder text = new StringBuilder();
            unique.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(x -> text.append(ResultsWriter.line(x.getValue())).append('\n'));
            Files.writeString(folder.resolve(e.getKey()), text, StandardCharsets.UTF_8);
            count += unique.size();
        }
        return count;
    }

    /**
     * Appends to the directory's results files every archived row that none of them holds yet
     * (a shard's rows go back to the shard's file); returns how many were restored.
     */
    public static int restore(Path dir) throws IOException {
        Path folder = dir.resolve(FOLDER);
        if (!Files.isDirectory(folder)) return 0;
        Set<String> present = new HashSet<>();
        for (ResultRow r : ResultsReader.read(dir)) present.add(RowKey.of(r));
        List<Path> archives;
        try (Stream<Path> s = Files.list(folder)) {
            archives = s.filter(p -> p.getFileName().toString().endsWith(EXTENSION)).sorted(Comparator.naturalOrder()).toList();
        }
        int restored = 0;
        for (Path archive : archives) {
            List<ResultRow> missing = new ArrayList<>();
            for (ResultRow r : ResultsReader.read(archive)) {
                if (present.add(RowKey.of(r))) missing.add(r);
            }
            if (missing.isEmpty()) continue;
            String name = archive.getFileName().toString();
            ResultsWriter.writeAll(dir.resolve(name.substring(0, name.length() - EXTENSION.length()) + ".jsonl"), missing);
            restored += missing.size();
        }
        return restored;
    }

    /** The row as committed: scores, bytes and speeds kept, the answer and references dropped. */
    static ResultRow withoutText(ResultRow r) {
        return new ResultRow(r.sampleId(), r.task(), r.method(), r.options(), r.budgetRequested(), r.budgetAchieved(), r.kvBytesKept(),
                r.kvBytesFull(), r.score(), null, List.of(), r.promptTokens(), r.prefillTokensPerSecond(), r.decodeTokensPerSecond(),
                r.compressMillis(), r.layerKept(), r.layerRatios(), r.contextLength(), r.depth(), r.queryMode(), r.kvBytesKeptLogical(),
                r.budgetNote(), r.nll(), r.ppl(), r.kl(), r.top1Agreement(), r.fidelityBuckets());
    }

    private static List<Path> resultFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p)).filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("results-") && n.endsWith(".jsonl");
            }).sorted().toList();
        }
    }

    private static String archiveName(String resultsFile) {
        return resultsFile.substring(0, resultsFile.length() - ".jsonl".length()) + EXTENSION;
    }
}
