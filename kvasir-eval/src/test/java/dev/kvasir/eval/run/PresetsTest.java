package dev.kvasir.eval.run;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PresetsTest {
    @Test
    void kvmergerPaperPresetRunsThePapersHeavyHittersBesideTheDefault() {
        assertThat(Presets.kvmergerPaper().methods()).extracting(MethodSpec::label)
                .containsExactly("full", "kvmerger:heavy-score=accumulated", "kvmerger", "h2o", "cam");
        MethodSpec paper = Presets.kvmergerPaper().methods().get(1);
        assertThat(paper.newPress().options()).containsEntry("heavy-score", "accumulated");
        MethodSpec demo = Presets.demo().methods().stream().filter(m -> m.name().equals("kvmerger")).findFirst().orElseThrow();
        assertThat(demo.newPress().options()).containsEntry("heavy-score", "window");
    }

    @Test
    void dynamickvPaperPresetRunsDynamicKvWithoutTheFloorAsTheReferenceCode() {
        MethodSpec d = Presets.dynamickvPaper().methods().get(1);
        assertThat(d.label()).isEqualTo("dynamickv:q4=faithful");
        assertThat(d.newPress().options()).containsEntry("q4", "faithful");
    }
}
