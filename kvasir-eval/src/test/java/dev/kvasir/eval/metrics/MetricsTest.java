package dev.kvasir.eval.metrics;

import dev.kvasir.eval.EvalSample;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsTest {
    @Test
    void registryKnowsEveryMetric() {
        assertThat(Metrics.names()).contains("qa_f1_score", "rouge_score", "classification_score", "retrieval_score",
                "retrieval_zh_score", "count_score", "code_sim_score", "string_match_all", "string_match_part", "niah-keywords");
        assertThatThrownBy(() -> Metrics.byName("qa_f1_zh_score")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> Metrics.byName("bleu")).hasMessageContaining("unknown metric");
    }

    @Test
    void firstLinePostprocessingAsLongBench() {
        // triviaqa: pred.lstrip('\n').split('\n')[0] = "Paris" -> F1 1 ; without it F1 = 2*(1/4)*1/(5/4) = 0.4
        EvalSample s = new EvalSample("t", "ctx", "", "", List.of("Paris"), 32, QaF1.NAME,
                Map.of(EvalSample.POSTPROCESS, Metrics.FIRST_LINE));
        assertThat(Metrics.score(s, "\n\nParis\nQuestion: what next")).isEqualTo(1.0);
        EvalSample plain = new EvalSample("t", "ctx", "", "", List.of("Paris"), 32, QaF1.NAME, Map.of());
        assertThat(Metrics.score(plain, "\n\nParis\nQuestion: what next")).isCloseTo(0.4, org.assertj.core.api.Assertions.within(1e-12));
    }
}
