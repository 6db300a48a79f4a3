package dev.kvasir.eval.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class NiahKeywordsTest {
    private final NiahKeywords m = new NiahKeywords();
    private final Map<String, Object> meta = Map.of(NiahKeywords.KEYWORDS, List.of("sandwich", "Dolores Park", "sunny day"));

    @Test
    void shareOfKeyPhrases() {
        // "eat a sandwich in dolores park": sandwich yes, dolores park yes, sunny day no -> 2/3
        assertThat(m.score("Eat a sandwich in Dolores Park.", List.of("x"), meta)).isEqualTo(2.0 / 3);
        // case, punctuation and spacing do not matter: "sandwich dolores park sunny day" has all 3
        assertThat(m.score("sandwich, Dolores   park, sunny day!", List.of("x"), meta)).isEqualTo(1.0);
        assertThat(m.score("I don't know", List.of("x"), meta)).isZero();
    }

    @Test
    void referencesWhenNoKeywords() {
        assertThat(m.score("the code is 42", List.of("42", "blue"), Map.of())).isEqualTo(0.5);
    }
}
