package dev.kvasir.eval.run;

import org.junit.jupiter.api.Test;

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
}
