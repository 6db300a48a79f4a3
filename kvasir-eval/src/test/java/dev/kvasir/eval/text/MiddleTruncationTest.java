package dev.kvasir.eval.text;

import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class MiddleTruncationTest {
    private final WordTokenizer tok = new WordTokenizer();

    @Test
    void keepsFirstAndLastHalf() {
        int[] ids = IntStream.range(0, 11).toArray();
        // max 6 -> half 3: [0 1 2] + [8 9 10]
        assertThat(MiddleTruncation.truncateIds(ids, 6)).containsExactly(0, 1, 2, 8, 9, 10);
        // odd limit: half = int(7/2) = 3, as LongBench (6 tokens kept)
        assertThat(MiddleTruncation.truncateIds(ids, 7)).containsExactly(0, 1, 2, 8, 9, 10);
        assertThat(MiddleTruncation.truncateIds(ids, 11)).isSameAs(ids);
    }

    @Test
    void truncatesTextThroughTheTokenizer() {
        String text = IntStream.range(0, 20).mapToObj(i -> "w" + i).collect(Collectors.joining(" "));
        // 20 tokens; limit 6 -> "w0 w1 w2" + " w17 w18 w19"
        assertThat(MiddleTruncation.truncate(tok, text, 6)).isEqualTo("w0 w1 w2 w17 w18 w19");
        assertThat(MiddleTruncation.truncate(tok, "short text", 6)).isEqualTo("short text");
    }

    @Test
    void fitCutsTheContextAndKeepsTheQuestion() {
        String context = IntStream.range(0, 40).mapToObj(i -> "c" + i).collect(Collectors.joining(" "));
        EvalSample s = new EvalSample("x", context, " Q1 Q2", " A:", List.of("a"), 8, "qa_f1_score", Map.of());
        // question + prefix = 4 tokens (" Q1", " Q2", " A", ":"); limit 10 -> head 5, tail 10-4-5 = 1
        EvalSample fitted = MiddleTruncation.fit(s, tok, 10);
        assertThat(fitted.context()).isEqualTo("c0 c1 c2 c3 c4 c39");
        assertThat(TokenFitter.count(tok, fitted.prompt())).isEqualTo(10);
        assertThat(MiddleTruncation.fit(fitted, tok, 10)).isSameAs(fitted);
    }
}
