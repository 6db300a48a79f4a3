package dev.kvasir.eval.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class QaF1Test {
    private final QaF1 f1 = new QaF1();

    @Test
    void normalizeLowersStripsPunctuationThenArticles() {
        // lower: "the-end of an era!" ; punctuation removed: "theend of an era" ;
        // articles -> space: "theend of   era" ; whitespace collapsed
        assertThat(AnswerNormalizer.normalize("The-End of AN era!")).isEqualTo("theend of era");
        // non-breaking space separates words as in Python's str.split()
        assertThat(AnswerNormalizer.normalize("New\u00A0York")).isEqualTo("new york");
    }

    @Test
    void partialOverlap() {
        // pred "The cat sat on the mat." -> [cat, sat, on, mat]; ref "A cat sat on a hat" -> [cat, sat, on, hat]
        // common 3: P = 3/4, R = 3/4, F1 = 2*(3/4)*(3/4)/(3/2) = 0.75
        assertThat(f1.score("The cat sat on the mat.", List.of("A cat sat on a hat"), Map.of())).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void extraWordsLowerPrecision() {
        // [paris, france] vs [paris]: common 1, P = 1/2, R = 1, F1 = 2*(1/2)*1/(3/2) = 2/3
        assertThat(f1.score("Paris, France", List.of("Paris"), Map.of())).isCloseTo(2.0 / 3, within(1e-12));
    }

    @Test
    void commonTokensCountWithMultiplicity() {
        // pred "the the dog dog dog" -> [dog, dog, dog]; ref [dog, dog, cat]; common min(3,2) = 2
        // P = 2/3, R = 2/3, F1 = 2/3
        assertThat(f1.score("the the dog dog dog", List.of("dog dog cat"), Map.of())).isCloseTo(2.0 / 3, within(1e-12));
    }

    @Test
    void bestReferenceWinsAndNoOverlapIsZero() {
        // max over references: "Paris" vs "London" = 0, vs "Paris" = 1
        assertThat(f1.score("Paris", List.of("London", "Paris"), Map.of())).isEqualTo(1.0);
        assertThat(f1.score("Rome", List.of("London", "Paris"), Map.of())).isEqualTo(0.0);
        assertThat(f1.score("", List.of("London"), Map.of())).isEqualTo(0.0);
    }
}
