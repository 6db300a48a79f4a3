package dev.kvasir.eval.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Expected values computed by hand with the rouge package's rules; they agree with rouge 1.0.1 in Python. */
class RougeLTest {
    @Test
    void countsDistinctWordsOfTheLcs() {
        // one sentence each. distinct pred words {the, cat, sat, on, mat}: n = 5;
        // distinct ref words {the, cat, is, on, mat}: m = 5.
        // LCS(ref, pred) = "the cat on the mat" -> distinct {the, cat, on, mat} = 4
        // P = 4/5, R = 4/5, F = 2*0.64/(1.6 + 1e-8) = 0.7999999950...
        // (the textbook LCS F would be 5/6)
        assertThat(RougeL.fScore("the cat sat on the mat", "the cat is on the mat")).isCloseTo(0.799999995, within(1e-12));
    }

    @Test
    void unionLcsOverPredictedSentences() {
        // the package's own example: r = w1..w5, C = {c1 = w1 w2 w6 w7 w8, c2 = w1 w3 w8 w9 w5}
        // LCS(r, c1) = w1 w2, LCS(r, c2) = w1 w3 w5 -> union {w1, w2, w3, w5} = 4
        // m = 5, n = |{w1, w2, w6, w7, w8, w3, w9, w5}| = 8; R = 0.8, P = 0.5
        // F = 2*0.4/(1.3 + 1e-8) = 0.61538461065...
        assertThat(RougeL.fScore("w1 w2 w6 w7 w8. w1 w3 w8 w9 w5", "w1 w2 w3 w4 w5")).isCloseTo(0.6153846106508877, within(1e-12));
    }

    @Test
    void tieBreakMovesLeftInThePrediction() {
        // ref sentences "a b" and "a"; pred "b a". LCS("a b", "b a") has length 1 and the walk
        // back from (2,2) moves left in the prediction on the tie and takes "b"; LCS("a", "b a") = "a".
        // union {a, b} = 2 = m = n -> P = R = 1, F = 2/(2 + 1e-8) = 0.999999995
        // (taking "a" on the tie would give union {a}: F = 0.5)
        assertThat(RougeL.fScore("b a", "a b. a")).isCloseTo(0.999999995, within(1e-12));
    }

    @Test
    void emptyPredictionScoresZero() {
        // the package raises "Hypothesis is empty." and LongBench's except returns 0
        assertThat(RougeL.fScore("", "a b")).isZero();
        assertThat(RougeL.fScore("...", "a b")).isZero();
        assertThat(new RougeL().score("x", List.of("", "x"), Map.of())).isCloseTo(0.999999995, within(1e-12));
    }
}
