package dev.kvasir.eval.run;

import dev.kvasir.eval.report.ResultRow;
import dev.kvasir.eval.report.ResultsReader;
import dev.kvasir.eval.report.ResultsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The committed scores: texts dropped, everything a report needs kept, restored rows never duplicated. */
class ScoreArchiveTest {

    private static List<ResultRow> rows(String task, String method, double budget, double... scores) {
        List<ResultRow> out = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            out.add(ResultRow.builder().sampleId(task + "-s" + i).task(task).method(method).budget(budget, budget * 0.99)
                    .score(scores[i]).prediction("an answer quoting an essay " + i).expected(List.of("the essay's sentence"))
                    .kvBytes(1000 + i, 3000).contextLength(4096).promptTokens(4000 + i).queryMode("aware").build());
        }
        return out;
    }

    @Test
    void theArchiveKeepsScoresWithoutTextsAndRestoresOnlyWhatIsMissing(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        List<ResultRow> all = new ArrayList<>(rows("passkey", "full", 1, 1, 1, 0));
        all.addAll(rows("passkey", "snapkv", 0.35, 1, 0, 0));
        ResultsWriter.writeAll(run.resolve("results-passkey.jsonl"), all);
        ResultsWriter.writeAll(run.resolve("results-niah-shard1of2.jsonl"), rows("niah", "h2o", 0.5, 0.5, 1));

        assertThat(ScoreArchive.save(run)).isEqualTo(8);
        Path archive = run.resolve("scores/results-passkey.ndjson");
        String text = Files.readString(archive, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("essay").contains("\"score\":1.0").contains("\"kvBytesKept\":1002");
        assertThat(text.lines()).hasSize(6);
        assertThat(run.resolve("scores/results-niah-shard1of2.ndjson")).exists();
        // the archive is not read as results (its extension is not .jsonl)
        assertThat(ResultsReader.read(run)).hasSize(8);

        // a fresh clone: only run.json and scores/ were committed
        Path clone = tmp.resolve("clone");
        Files.createDirectories(clone.resolve("scores"));
        for (String f : List.of("results-passkey.ndjson", "results-niah-shard1of2.ndjson")) {
            Files.copy(run.resolve("scores").resolve(f), clone.resolve("scores").resolve(f));
        }
        assertThat(ScoreArchive.restore(clone)).isEqualTo(8);
        List<ResultRow> restored = ResultsReader.read(clone);
        assertThat(restored).hasSize(8).allSatisfy(r -> assertThat(r.prediction()).isNull());
        assertThat(restored.stream().mapToDouble(ResultRow::score).sum()).isEqualTo(all.stream().mapToDouble(ResultRow::score).sum() + 1.5);
        assertThat(clone.resolve("results-niah-shard1of2.jsonl")).exists();
        // restoring again adds nothing; a run's own rows are not duplicated either
        assertThat(ScoreArchive.restore(clone)).isZero();
        assertThat(ScoreArchive.restore(run)).isZero();
        assertThat(ResultsReader.read(run)).hasSize(8);
    }

    @Test
    void aLongerRunOnlyAddsLinesToTheArchive(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        ResultsWriter.writeAll(run.resolve("results-vt.jsonl"), rows("vt", "full", 1, 1, 0));
        ScoreArchive.save(run);
        List<String> before = Files.readAllLines(run.resolve("scores/results-vt.ndjson"));
        ResultsWriter.writeAll(run.resolve("results-vt.jsonl"), rows("vt", "snapkv", 0.35, 1));
        ScoreArchive.save(run);
        List<String> after = Files.readAllLines(run.resolve("scores/results-vt.ndjson"));
        assertThat(after).hasSize(3).containsAll(before);
    }
}
