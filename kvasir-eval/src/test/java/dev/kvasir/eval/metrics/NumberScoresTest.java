package dev.kvasir.eval.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NumberScoresTest {
    private final RetrievalScore retrieval = RetrievalScore.english();
    private final CountScore count = new CountScore();

    @Test
    void retrievalIsTheShareOfRightNumbers() {
        // reference id 12; numbers in the prediction [12, 3] -> 1 right of 2 = 0.5
        assertThat(retrieval.score("Paragraph 12, or maybe paragraph 3", List.of("Paragraph 12"), Map.of())).isEqualTo(0.5);
        // [12] -> 1/1
        assertThat(retrieval.score("The answer is Paragraph 12", List.of("Paragraph 12"), Map.of())).isEqualTo(1.0);
        // no number -> 0
        assertThat(retrieval.score("none of them", List.of("Paragraph 12"), Map.of())).isZero();
        // Chinese variant reads "段落5"
        assertThat(RetrievalScore.chinese().score("段落5", List.of("段落5"), Map.of())).isEqualTo(1.0);
        assertThatThrownBy(() -> retrieval.score("1", List.of("no id"), Map.of())).hasMessageContaining("no paragraph number");
    }

    @Test
    void countComparesNumbersAsWritten() {
        // numbers [7, 10]: one equals "7" -> 0.5
        assertThat(count.score("There are 7 unique paragraphs out of 10", List.of("7"), Map.of())).isEqualTo(0.5);
        // "07" is not "7" (string comparison, as in Python)
        assertThat(count.score("07", List.of("7"), Map.of())).isZero();
        // [7, 7, 3] -> 2/3
        assertThat(count.score("7, 7 or 3", List.of("7"), Map.of())).isEqualTo(2.0 / 3);
    }
}
