package dev.kvasir.eval.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Values agree with fuzzywuzzy 0.18 + python-Levenshtein. */
class CodeSimilarityTest {
    private final CodeSimilarity sim = new CodeSimilarity();

    @Test
    void firstLineWithoutFenceOrComment() {
        assertThat(CodeSimilarity.firstCodeLine("\n\n```python\n# add\nreturn a + b\n```")).isEqualTo("return a + b");
        assertThat(CodeSimilarity.firstCodeLine("// only a comment")).isEmpty();
    }

    @Test
    void ratioIsTwiceTheLcsOverTheTotalLength() {
        // "return a + b" (12) vs "return a+b" (10): the second is a subsequence of the first, LCS 10
        // ratio = 2*10/22 = 0.90909 -> round(90.909) = 91 -> 0.91
        assertThat(sim.score("```python\nreturn a + b\n```", List.of("return a+b"), Map.of())).isEqualTo(0.91);
    }

    @Test
    void pythonRoundsHalvesToEven() {
        // "abcdefgh" vs "aXXXXXXX": LCS 1, ratio 2/16 = 0.125 -> 12.5 -> round half to even = 12
        assertThat(CodeSimilarity.fuzzRatio("abcdefgh", "aXXXXXXX")).isEqualTo(12);
    }

    @Test
    void equalityIsCheckedBeforeEmptiness() {
        assertThat(CodeSimilarity.fuzzRatio("", "")).isEqualTo(100);
        assertThat(CodeSimilarity.fuzzRatio("a", "")).isZero();
        // a prediction that is all comments compares "" with the reference -> 0
        assertThat(sim.score("# nothing", List.of("x = 1"), Map.of())).isZero();
    }
}
