package dev.kvasir.eval.task;

import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.TaskConfig;
import dev.kvasir.eval.WordTokenizer;
import dev.kvasir.eval.metrics.Metrics;
import dev.kvasir.eval.text.TokenFitter;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PasskeyTaskTest {
    private final WordTokenizer tok = new WordTokenizer();

    private List<EvalSample> samples(int length, int samples, Double... depths) {
        return new PasskeyTask().samples(TaskConfig.builder().tokenizer(tok).seed(7).contextLengths(length)
                .depths(depths).samplesPerPoint(samples).build());
    }

    @Test
    void promptHasTheClassicShape() {
        EvalSample s = samples(300, 1, 0.5).getFirst();
        String key = s.answers().getFirst();
        assertThat(key).matches("[1-9][0-9]{4}");
        assertThat(s.context()).startsWith(PasskeyTask.DESCRIPTION + "\nThe grass is green. The sky is blue.");
        assertThat(s.context()).contains("\nThe pass key is " + key + ". Remember it. " + key + " is the pass key.\n");
        assertThat(s.prompt()).endsWith("\nWhat is the pass key? The pass key is");
        assertThat(s.metric()).isEqualTo("string_match_all");
        assertThat(Metrics.score(s, " " + key + ".")).isEqualTo(1.0);
        assertThat(Metrics.score(s, " 00000.")).isZero();
    }

    @Test
    void fillsTheTokenBudgetWithoutExceedingIt() {
        for (int length : List.of(200, 1000, 4000)) {
            EvalSample s = samples(length, 1, 0.3).getFirst();
            int tokens = TokenFitter.count(tok, s.prompt());
            assertThat(tokens).isLessThanOrEqualTo(length).isGreaterThan(length - 8);
            assertThat((int) s.meta(EvalSample.PROMPT_TOKENS, 0)).isEqualTo(tokens);
        }
    }

    @Test
    void keyLandsAtTheRequestedDepth() {
        for (double depth : List.of(0.0, 0.1, 0.5, 0.9, 1.0)) {
            EvalSample s = samples(2000, 1, depth).getFirst();
            assertThat((double) s.meta("actualDepth", -1.0)).as("depth %s", depth).isCloseTo(depth, within(0.01));
        }
    }

    @Test
    void seededAndIndependentOfTheSweep() {
        List<EvalSample> a = samples(500, 3, 0.5);
        List<EvalSample> b = new PasskeyTask().samples(TaskConfig.builder().tokenizer(tok).seed(7).contextLengths(300, 500)
                .depths(0.5).samplesPerPoint(3).build()).subList(3, 6);
        assertThat(a).isEqualTo(b);
        assertThat(a.stream().map(s -> s.answers().getFirst()).distinct()).hasSize(3);
        assertThat(a.stream().map(EvalSample::id)).containsExactly("passkey-L500-d0.500-s0", "passkey-L500-d0.500-s1", "passkey-L500-d0.500-s2");
    }

    @Test
    void exactMetricOptionScoresAsLongLoRA() {
        EvalSample s = new PasskeyTask().samples(TaskConfig.builder().tokenizer(tok).seed(7).contextLengths(300).depths(List.of(0.5))
                .option("metric", "exact").build()).getFirst();
        String key = s.answers().getFirst();
        assertThat(s.metric()).isEqualTo("passkey-exact");
        assertThat(s.meta(EvalSample.TASK_LABEL, "passkey")).isEqualTo("passkey:metric=exact");
        assertThat(dev.kvasir.eval.metrics.Metrics.score(s, " " + key + ".")).isEqualTo(1.0);
        assertThat(dev.kvasir.eval.metrics.Metrics.score(s, " The pass key is " + key + ".")).isEqualTo(0.0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PasskeyTask().samples(TaskConfig.builder().tokenizer(tok)
                .contextLengths(300).depths(List.of(0.5)).option("metric", "f1").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metric=f1");
    }
}
