package dev.kvasir.core.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class SamplingParamsTest {
    @Test
    void defaultsAreLlamaCppsWithAFixedSeed() {
        SamplingParams p = SamplingParams.defaults();
        assertThat(p).isEqualTo(new SamplingParams(0.8, 40, 0.95, 0.05, 1.0, 64, SamplingParams.DEFAULT_SEED));
        assertThat(p.isGreedy()).isFalse();
        assertThat(SamplingParams.greedy().isGreedy()).isTrue();
        assertThat(SamplingParams.greedy().repetitionPenalty()).isEqualTo(1.0);
    }

    @Test
    void buildersAndWithersChangeOneField() {
        SamplingParams p = SamplingParams.builder().temperature(0.7).topK(0).topP(0.9).minP(0).repetitionPenalty(1.1)
                .repeatLastN(-1).seed(7).build();
        assertThat(p).isEqualTo(new SamplingParams(0.7, 0, 0.9, 0, 1.1, -1, 7));
        assertThat(p.withTemperature(0).temperature()).isZero();
        assertThat(p.withTopK(5).topK()).isEqualTo(5);
        assertThat(p.withTopP(1).topP()).isEqualTo(1.0);
        assertThat(p.withMinP(0.1).minP()).isEqualTo(0.1);
        assertThat(p.withRepetitionPenalty(1).repetitionPenalty()).isEqualTo(1.0);
        assertThat(p.withRepeatLastN(0).repeatLastN()).isZero();
        assertThat(p.withSeed(8)).isEqualTo(new SamplingParams(0.7, 0, 0.9, 0, 1.1, -1, 8));
        assertThat(p.toBuilder().build()).isEqualTo(p);
    }

    @Test
    void invalidValuesAreRejectedNamingTheParameter() {
        SamplingParams d = SamplingParams.defaults();
        rejects(() -> d.withTemperature(-0.1), "temperature");
        rejects(() -> d.withTemperature(Double.NaN), "temperature");
        rejects(() -> d.withTemperature(Double.POSITIVE_INFINITY), "temperature");
        rejects(() -> d.withTopK(-1), "topK");
        rejects(() -> d.withTopP(0), "topP");
        rejects(() -> d.withTopP(1.01), "topP");
        rejects(() -> d.withTopP(Double.NaN), "topP");
        rejects(() -> d.withMinP(-0.01), "minP");
        rejects(() -> d.withMinP(1.5), "minP");
        rejects(() -> d.withRepetitionPenalty(0), "repetitionPenalty");
        rejects(() -> d.withRepetitionPenalty(-1), "repetitionPenalty");
        rejects(() -> d.withRepeatLastN(-2), "repeatLastN");
        // the edges of each range are allowed
        assertThat(d.withTopP(1).withMinP(1).withMinP(0).withTemperature(0).withTopK(0).withRepeatLastN(-1)).isNotNull();
    }

    private static void rejects(Supplier<SamplingParams> make, String parameter) {
        assertThatThrownBy(make::get).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(parameter + " must be");
    }
}
