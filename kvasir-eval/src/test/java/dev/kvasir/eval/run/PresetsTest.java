package dev.kvasir.eval.run;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PresetsTest {
    @Test
    void kvmergerPaperPresetRunsThePapersMethodItsVariantAndSnapKvAsAControl() {
        assertThat(Presets.kvmergerPaper().methods()).extracting(MethodSpec::label)
                .containsExactly("full", "kvmerger", "kvmerger:heavy-score=window", "snapkv", "h2o", "cam");
        MethodSpec paper = Presets.kvmergerPaper().methods().get(1);
        assertThat(paper.newPress().options()).containsEntry("heavy-score", "accumulated").containsEntry("exact", "true");
        assertThat(Presets.kvmergerPaper().methods().get(2).newPress().options()).containsEntry("heavy-score", "window");
        assertThat(Presets.demo().methods()).extracting(MethodSpec::label)
                .containsExactly("full", "kvmerger", "kvmerger:heavy-score=window", "dynamickv", "h2o", "snapkv");
    }

    @Test
    void labelsAreWhatRanHoweverTheOptionsWereWritten() {
        assertThat(MethodSpec.variant("kvmerger:heavy-score=accumulated").label()).isEqualTo("kvmerger");
        assertThat(MethodSpec.parse(java.util.List.of("kvmerger"), java.util.List.of("kvmerger.heavy-score=window")))
                .extracting(MethodSpec::label).containsExactly("kvmerger:heavy-score=window");
        assertThat(MethodSpec.variant("none").label()).isEqualTo("full");
        assertThat(MethodSpec.variant("none").isFull()).isTrue();
    }
}
