package dev.kvasir.eval.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class PresetsTest {
    @Test
    void kvmergerPaperPresetRunsThePapersMethodItsVariantAndSnapKvAsAControl() {
        assertThat(Presets.kvmergerPaper().methods()).extracting(MethodSpec::label)
                .containsExactly("full", "kvmerger", "kvmerger:exact=true", "kvmerger:exact=true,heavy-score=window", "snapkv", "h2o", "cam");
        MethodSpec paper = Presets.kvmergerPaper().methods().get(1);
        // the paper's method: heavy tokens by accumulated attention and a fixed ε (its budget is approximate)
        assertThat(paper.newPress().options()).containsEntry("heavy-score", "accumulated").containsEntry("exact", "false").containsEntry("eps", "0.75");
        assertThat(Presets.kvmergerPaper().methods().get(2).newPress().options()).containsEntry("heavy-score", "accumulated").containsEntry("exact", "true");
        assertThat(Presets.kvmergerPaper().methods().get(3).newPress().options()).containsEntry("heavy-score", "window").containsEntry("exact", "true");
        assertThat(Presets.demo().methods()).extracting(MethodSpec::label)
                .containsExactly("full", "kvmerger:exact=true", "kvmerger:exact=true,heavy-score=window", "dynamickv", "h2o", "snapkv");
        // every claim names a method the preset runs
        for (var c : Presets.kvmergerPaper().claims()) {
            assertThat(Presets.kvmergerPaper().methods()).extracting(MethodSpec::label).contains(c.a(), c.b());
        }
        for (var c : Presets.dynamickvPaper().claims()) {
            assertThat(Presets.dynamickvPaper().methods()).extracting(MethodSpec::label).contains(c.a(), c.b());
        }
    }

    @Test
    void labelsAreWhatRanHoweverTheOptionsWereWritten() {
        assertThat(MethodSpec.variant("kvmerger:heavy-score=accumulated,exact=false").label()).isEqualTo("kvmerger");
        assertThat(MethodSpec.variant("kvmerger:heavy-score=window,exact=true").label()).isEqualTo("kvmerger:exact=true,heavy-score=window");
        assertThat(MethodSpec.parse(java.util.List.of("kvmerger"), java.util.List.of("kvmerger.heavy-score=window")))
                .extracting(MethodSpec::label).containsExactly("kvmerger:heavy-score=window");
        assertThat(MethodSpec.variant("none").label()).isEqualTo("full");
        assertThat(MethodSpec.variant("none").isFull()).isTrue();
    }

    @Test
    void dynamickvPaperPresetRunsDynamicKvWithoutTheFloorAsTheReferenceCode() {
        MethodSpec d = Presets.dynamickvPaper().methods().get(1);
        assertThat(d.label()).isEqualTo("dynamickv:q4=faithful");
        assertThat(d.newPress().options()).containsEntry("q4", "faithful");
    }

    @Test
    void on32kModelsThePresetsRunTheLongSuiteWithAboutAHundredPassFailSamplesAt4k(@TempDir java.nio.file.Path tmp) {
        for (String name : java.util.List.of("kvmerger-paper", "dynamickv-paper")) {
            Preset shortOne = Presets.byName(name, 8192), longOne = Presets.byName(name, 32768);
            assertThat(shortOne).isEqualTo(Presets.byName(name));
            // the comparison is the same: methods, budgets, claims; only the tasks grow
            assertThat(longOne.methods()).isEqualTo(shortOne.methods());
            assertThat(longOne.budgets()).isEqualTo(shortOne.budgets());
            assertThat(longOne.claims()).isEqualTo(shortOne.claims());
            assertThat(longOne.tasks()).extracting(Preset.Item::task).contains("fidelity", "passkey", "niah", "multi_news", "vt", "cwe", "fwe",
                    "niah_single_1", "niah_multikey_1", "niah_multivalue", "niah_multiquery");
            assertThat(longOne.tasks()).flatExtracting(Preset.Item::lengths).containsOnly(4096, 8192, 16384);
            // pass/fail samples at 4k: RULER per length, passkey per (length, depth)
            int at4k = longOne.tasks().stream().filter(i -> i.lengths().equals(java.util.List.of(4096)) && !i.task().equals("fidelity"))
                    .mapToInt(i -> i.samples() * Math.max(1, i.depths().size())).sum();
            assertThat(at4k).isEqualTo(100);
            // the needle heatmap: 5 depths × 3 lengths
            Preset.Item niah = longOne.tasks().stream().filter(i -> i.task().equals("niah")).findFirst().orElseThrow();
            assertThat(niah.depths()).hasSize(5);
            assertThat(niah.lengths()).hasSize(3);
            // multi_news at LongBench's own generation length
            assertThat(longOne.tasks().stream().filter(i -> i.task().equals("multi_news")).findFirst().orElseThrow().maxNewTokens()).isEqualTo(512);
        }
        // fidelity reads the haystack even when the preset has a LongBench file: its contexts are too short for 16k
        java.nio.file.Path hay = tmp.resolve("essays"), data = tmp.resolve("multi_news.jsonl");
        java.util.List<TaskSpec> specs = Presets.byName("kvmerger-paper", 32768).specs(hay, data, 42);
        assertThat(specs).filteredOn(s -> s.task().equals("fidelity")).allSatisfy(s -> assertThat(s.data()).isNull());
        assertThat(specs).filteredOn(s -> s.task().equals("multi_news")).allSatisfy(s -> assertThat(s.data()).isEqualTo(data));
    }
}
