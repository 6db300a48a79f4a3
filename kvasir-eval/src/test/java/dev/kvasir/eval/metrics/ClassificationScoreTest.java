package dev.kvasir.eval.metrics;

import dev.kvasir.eval.EvalSample;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClassificationScoreTest {
    @Test
    void scoreIsOneOverTheNumberOfMatchedClasses() {
        // matches (substring, case-sensitive): Location, Other location, City -> 3.
        // "Location" is not in the reference (lower-case l), "City" neither: nothing removed.
        // reference among matches -> 1/3
        List<String> classes = List.of("Location", "Other location", "City");
        assertThat(ClassificationScore.score("Other location or City, Location", "Other location", classes)).isEqualTo(1.0 / 3);
    }

    @Test
    void removalWhileIteratingSkipsTheNextMatch() {
        // matches [loc, location, Other location]. i=0 "loc" is inside the reference -> removed,
        // the list shifts, i=1 is now "Other location" (equal to the reference: kept), and
        // "location" is never examined. Python leaves 2 matches -> 1/2 (not 1).
        List<String> classes = List.of("loc", "location", "Other location");
        assertThat(ClassificationScore.score("Other location", "Other location", classes)).isEqualTo(0.5);
    }

    @Test
    void noClassNamedScoresZero() {
        // LongBench's difflib fallback is unreachable: no match -> reference not in [] -> 0
        assertThat(ClassificationScore.score("I do not know", "City", List.of("City", "Country"))).isZero();
    }

    @Test
    void classesComeFromMetadata() {
        ClassificationScore m = new ClassificationScore();
        assertThat(m.score("City", List.of("City"), Map.of(EvalSample.ALL_CLASSES, List.of("City", "Country")))).isEqualTo(1.0);
        assertThatThrownBy(() -> m.score("City", List.of("City"), Map.of())).hasMessageContaining("all_classes");
    }
}
