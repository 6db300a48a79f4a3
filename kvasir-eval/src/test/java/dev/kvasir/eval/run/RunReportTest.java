package dev.kvasir.eval.run;

import dev.kvasir.eval.report.ResultRow;
import dev.kvasir.eval.report.ResultsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A preset's run: run.json names its inputs by hash, the report tests the preset's claims and fills the README template. */
class RunReportTest {

    private static void add(List<ResultRow> rows, String task, String method, double budget, double... scores) {
        for (int i = 0; i < scores.length; i++) {
            rows.add(ResultRow.builder().sampleId(task + i).task(task).method(method).budget(budget, budget).score(scores[i])
                    .contextLength(1024).promptTokens(1000 + i).queryMode("aware").build());
        }
    }

    @Test
    void manifestNamesInputsByHashAndRefusesAChangedOne(@TempDir Path tmp) throws Exception {
        Path data = Files.writeString(tmp.resolve("rows.jsonl"), "{\"a\":1}\n");
        InputFile file = InputFile.of("data", data);
        assertThat(file.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("{\"a\":1}\n".getBytes())));
        Path hay = Files.createDirectories(tmp.resolve("essays"));
        Files.writeString(hay.resolve("a.txt"), "one");
        Files.writeString(hay.resolve("b.txt"), "two");
        Files.writeString(hay.resolve("notes.md"), "not read by the haystack");
        InputFile dir = InputFile.of("haystack", hay);
        assertThat(dir.files()).isEqualTo(2);

        Path out = tmp.resolve("out");
        new RunManifest("t", "kvmerger-paper", "m", "aware", "AUTO", List.of(dir)).ensure(out);
        new RunManifest("t", "kvmerger-paper", "m", "aware", "AUTO", List.of(file)).ensure(out); // a resumed run with data: added
        assertThat(RunManifest.read(out).inputs()).containsExactly(dir, file);

        Files.writeString(hay.resolve("b.txt"), "changed");
        InputFile changed = InputFile.of("haystack", hay);
        assertThat(changed.sha256()).isNotEqualTo(dir.sha256());
        assertThatThrownBy(() -> new RunManifest("t", "kvmerger-paper", "m", "aware", "AUTO", List.of(changed)).ensure(out))
                .hasMessageContaining("changed since").hasMessageContaining(dir.sha256());
        assertThatThrownBy(() -> new RunManifest("t", "dynamickv-paper", "m", "aware", "AUTO", List.of()).ensure(out))
                .hasMessageContaining("preset kvmerger-paper");
    }

    @Test
    void aPresetRunGetsItsClaimsTableAndAGeneratedReadme(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        List<ResultRow> rows = new ArrayList<>();
        add(rows, "niah", "full", 1, 1, 1, 1, 1, 1, 1, 1, 1);
        add(rows, "niah", "kvmerger", 0.35, 1, 1, 1, 1, 1, 1, 1, 0);
        add(rows, "niah", "h2o", 0.35, 0, 0, 0, 1, 0, 0, 0, 0);
        add(rows, "niah", "cam", 0.35, 1, 1, 1, 1, 1, 1, 1, 1);
        ResultsWriter.writeAll(dir.resolve("results-niah.jsonl"), rows);
        Path data = Files.writeString(tmp.resolve("data.jsonl"), "{}\n");
        new RunManifest("KVMerger paper comparison (scaled)", "kvmerger-paper", "tiny", "aware", "AUTO", List.of(InputFile.of("data", data)))
                .ensure(dir);
        Files.writeString(dir.resolve(ReadmeTemplate.FILE), "# {{title}}\n\n{{run}}\n\n{{tasks}}\n\n{{headline}}\n\n{{claims}}\n\n{{verdicts}}\n");

        RunReport.Written w = RunReport.write(dir);
        String claims = Files.readString(w.claims(), StandardCharsets.UTF_8);
        // the paper's KVMerger finds 7 needles of 8 where H2O finds 1: +75 points
        assertThat(claims).contains("| `kvmerger > h2o at 0.35 on mean` | +75.0 | [").contains("| 8 | **holds** |");
        // CaM finds all 8: the claim that KVMerger beats it does not hold (every paired difference is 0 or −100)
        assertThat(claims).contains("`kvmerger > cam at 0.35 on mean` | -12.5 |").contains("**does not hold**");
        // nothing at 50 %, no multi_news, no kvmerger at exactly the budget
        assertThat(claims).contains("`kvmerger:exact=true > h2o at 0.35 on mean` | – | – | – | not measured |");

        String readme = Files.readString(w.readme(), StandardCharsets.UTF_8);
        assertThat(readme).startsWith("<!-- generated").contains("# KVMerger paper comparison (scaled) — tiny, query-aware")
                .contains("- **Preset:** `kvmerger-paper`").contains("sha256 `" + InputFile.of("data", data).sha256() + "`")
                .contains("| niah | 8 | 1024 | – | 1000–1007 |")
                .contains("| full | - | 100.0 [100.0, 100.0] |")
                .contains("## Difference from the full cache")
                .contains("- **Holds** (1 of 8)").contains("- **Not measured** (6 of 8)")
                .doesNotContain("{{");
    }
}
