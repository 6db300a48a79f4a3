package dev.kvasir.eval.run;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.model.Model;
import dev.kvasir.eval.report.ResultRow;
import dev.kvasir.eval.report.ResultsReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The runner on stories260K: rows, resume after an interruption, shards, and the report. */
class EvalRunnerTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(TestResources.stories260k());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static final TaskSpec PASSKEY = new TaskSpec("passkey", List.of(160, 260), List.of(0.0, 1.0), 0, null, null, 7, 8, 0, Map.of());

    static EvalRunner.Settings settings(int rowLimit, Shard shard) {
        return new EvalRunner.Settings(
                MethodSpec.parse(List.of("full", "h2o", "snapkv"), List.of("snapkv.window=8")),
                List.of(BudgetSpec.fraction(0.5)), QueryMode.AWARE, ChatMode.OFF, 0, shard, rowLimit);
    }

    static int run(Path dir, int rowLimit, Shard shard) throws IOException {
        try (Generator gen = new Generator(model, Generator.Options.defaults().withThreads(2))) {
            return new EvalRunner(model, gen, settings(rowLimit, shard), RunProgress.NONE).run(PASSKEY, dir);
        }
    }

    /** Key → what the row says, minus timings. */
    static Map<String, String> content(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (ResultRow r : ResultsReader.read(dir)) {
            String previous = out.put(RowKey.of(r), r.prediction() + "|" + r.score() + "|" + r.budgetAchieved() + "|" + r.kvBytesKept()
                    + "|" + r.promptTokens() + "|" + r.depth() + "|" + r.contextLength());
            assertThat(previous).as("duplicate row " + RowKey.of(r)).isNull();
        }
        return out;
    }

    @Test
    void writesOneRowPerSampleAndConfigurationThenResumesAfterAKill(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("whole");
        assertThat(run(whole, 0, Shard.ALL)).isEqualTo(4 * 3);
        Map<String, String> expected = content(whole);
        assertThat(expected).hasSize(12);
        List<ResultRow> rows = ResultsReader.read(whole);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.task()).isEqualTo("passkey");
            assertThat(r.queryMode()).isEqualTo("aware");
            assertThat(r.kvBytesFull()).isPositive();
        });
        assertThat(rows).filteredOn(r -> r.method().equals("snapkv:window=8")).hasSize(4)
                .allSatisfy(r -> {
                    assertThat(r.options()).containsEntry("window", "8");
                    assertThat(r.budgetNote()).isNull();
                    assertThat(r.kvBytesKeptLogical()).isLessThan(r.kvBytesFull());
                    assertThat(r.kvBytesKept()).isGreaterThan(r.kvBytesKeptLogical());
                    assertThat(r.budgetAchieved()).isBetween(0.4, 0.6);
                    assertThat(r.layerKept()).hasSize(5);
                });

        // interrupted: a row limit stops mid-sample, then the process "dies" while writing a row
        Path resumed = tmp.resolve("resumed");
        assertThat(run(resumed, 5, Shard.ALL)).isEqualTo(5);
        Path file = resumed.resolve("results-passkey.jsonl");
        Files.writeString(file, "{\"sampleId\":\"passkey-L260-d0.0", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertThat(ResultsReader.read(resumed)).hasSize(5); // the partial line is not a row

        assertThat(run(resumed, 0, Shard.ALL)).isEqualTo(7);
        assertThat(Files.readString(file)).endsWith("\n").doesNotContain("passkey-L260-d0.0\"");
        assertThat(Files.readAllLines(file)).hasSize(12);
        assertThat(content(resumed)).isEqualTo(expected);

        // nothing left to do
        assertThat(run(resumed, 0, Shard.ALL)).isZero();
        assertThat(content(resumed)).isEqualTo(expected);
    }

    @Test
    void twoVariantsOfOneMethodGetTheirOwnRowsAndReportLines(@TempDir Path tmp) throws Exception {
        List<MethodSpec> methods = MethodSpec.parse(List.of("full", "snapkv", "snapkv:window=4", "pooling=avg"), List.of("snapkv.kernel=3"));
        // labels name every option that departs from the paper, whether given in the variant or with --press-opt
        assertThat(methods).extracting(MethodSpec::label).containsExactly("full", "snapkv:kernel=3", "snapkv:window=4,kernel=3,pooling=avg");
        EvalRunner.Settings two = new EvalRunner.Settings(methods, List.of(BudgetSpec.fraction(0.5)), QueryMode.AWARE, ChatMode.OFF, 0, Shard.ALL, 0);
        Path dir = tmp.resolve("variants");
        try (Generator gen = new Generator(model, Generator.Options.defaults().withThreads(2))) {
            assertThat(new EvalRunner(model, gen, two, RunProgress.NONE).run(PASSKEY, dir)).isEqualTo(4 * 3);
        }
        List<ResultRow> rows = ResultsReader.read(dir);
        assertThat(rows).filteredOn(r -> r.method().equals("snapkv:kernel=3")).hasSize(4)
                .allSatisfy(r -> assertThat(r.options()).containsEntry("window", "32").containsEntry("kernel", "3").containsEntry("pooling", "max"));
        assertThat(rows).filteredOn(r -> r.method().equals("snapkv:window=4,kernel=3,pooling=avg")).hasSize(4)
                .allSatisfy(r -> assertThat(r.options()).containsEntry("window", "4").containsEntry("kernel", "3").containsEntry("pooling", "avg"));
        assertThat(Files.readString(RunReport.write(dir).headline())).contains("| snapkv:kernel=3 |").contains("| snapkv:window=4,kernel=3,pooling=avg |")
                .contains("Methods are compared at equal bytes");
    }

    @Test
    void shardsSplitTheSamplesAndTogetherMakeTheWholeRun(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("sharded");
        assertThat(run(dir, 0, Shard.parse("0/2"))).isEqualTo(6);
        assertThat(run(dir, 0, Shard.parse("1/2"))).isEqualTo(6);
        assertThat(dir.resolve("results-passkey-shard0of2.jsonl")).exists();
        assertThat(dir.resolve("results-passkey-shard1of2.jsonl")).exists();
        Map<String, String> sharded = content(dir);
        assertThat(sharded).hasSize(12);
        Set<String> samples = new HashSet<>();
        for (ResultRow r : ResultsReader.read(dir)) samples.add(r.sampleId());
        assertThat(samples).hasSize(4);

        RunReport.Written w = RunReport.write(dir);
        assertThat(w.report().html()).exists();
        assertThat(Files.readString(w.headline())).contains("| full |").contains("| snapkv:window=8 |");
        assertThat(w.overviews()).singleElement().satisfies(p -> assertThat(p.getFileName().toString()).isEqualTo("passkey-heatmaps.png"));
        assertThat(Files.readString(w.report().markdown())).contains("query-aware");
    }

    @Test
    void threeShardsOfAnIndexedJobMergedReportTheSameSummaryAsOneRun(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("whole");
        run(whole, 0, Shard.ALL);
        Path sharded = tmp.resolve("sharded");
        for (int i = 0; i < 3; i++) {
            run(sharded, 0, Shard.parse("auto", Map.of("JOB_COMPLETION_INDEX", String.valueOf(i), "KVASIR_SHARD_COUNT", "3")));
        }
        assertThat(sharded.resolve("results-passkey-shard2of3.jsonl")).exists();
        RunReport.Written one = RunReport.write(whole), merged = RunReport.write(sharded);
        assertThat(merged.report().summaries()).hasSize(3);
        // everything but the measured speeds: means, n, intervals, share of full, budgets, bytes
        assertThat(merged.report().summaries().stream().map(EvalRunnerTest::withoutSpeeds).toList())
                .isEqualTo(one.report().summaries().stream().map(EvalRunnerTest::withoutSpeeds).toList());
        assertThat(merged.report().summaries()).allSatisfy(s -> assertThat(s.samples()).isEqualTo(4));
        assertThat(Files.readString(merged.headline())).isEqualTo(Files.readString(one.headline()));
    }

    private static List<Object> withoutSpeeds(dev.kvasir.eval.report.GroupSummary s) {
        return List.of(s.task(), s.method(), s.budget(), s.samples(), s.score(), s.ciLow(), s.ciHigh(), s.pctOfFull(),
                s.budgetAchieved(), s.kvBytesKept(), s.kvBytesFull(), s.promptTokens());
    }

    @Test
    void shardAndMethodSyntaxErrorsAreClear() {
        assertThatThrownBy(() -> Shard.parse("2/2")).hasMessageContaining("0 <= i < N");
        assertThatThrownBy(() -> Shard.parse("a")).hasMessageContaining("i/N");
        assertThatThrownBy(() -> MethodSpec.parse(List.of("full", "nope"), List.of())).hasMessageContaining("nope").hasMessageContaining("kvmerger");
        assertThatThrownBy(() -> MethodSpec.parse(List.of("snapkv"), List.of("snapkv.windw=8"))).hasMessageContaining("windw");
        assertThatThrownBy(() -> MethodSpec.parse(List.of("snapkv"), List.of("h2o.window=8"))).hasMessageContaining("not among");
        assertThatThrownBy(() -> Configuration.grid(MethodSpec.parse(List.of("h2o"), List.of()), List.of())).hasMessageContaining("budget");
        assertThatThrownBy(() -> MethodSpec.parse(List.of("h2o", "h2o:"), List.of())).hasMessageContaining("listed twice");
        assertThatThrownBy(() -> MethodSpec.parse(List.of("window=8", "snapkv"), List.of())).hasMessageContaining("'window=8' is an option");
        assertThatThrownBy(() -> MethodSpec.parse(List.of("snapkv:window"), List.of())).hasMessageContaining("must be key=value");
        assertThatThrownBy(() -> MethodSpec.parse(List.of("snapkv:windw=3"), List.of())).hasMessageContaining("windw");
    }
}
