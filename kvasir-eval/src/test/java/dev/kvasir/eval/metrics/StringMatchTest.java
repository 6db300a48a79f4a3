package dev.kvasir.eval.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StringMatchTest {
    private final Metric all = StringMatch.all();
    private final Metric part = StringMatch.part();

    @Test
    void allIsTheShareOfReferencesFound() {
        List<String> refs = List.of("1234567", "7654321");
        // both found -> 2/2
        assertThat(all.score("The numbers are 1234567 and 7654321.", refs, Map.of())).isEqualTo(1.0);
        // one of two -> 0.5 ; part: any -> 1
        assertThat(all.score(" 1234567 only", refs, Map.of())).isEqualTo(0.5);
        assertThat(part.score(" 1234567 only", refs, Map.of())).isEqualTo(1.0);
        assertThat(part.score("nothing", refs, Map.of())).isZero();
    }

    @Test
    void caseInsensitiveAfterPostprocessing() {
        assertThat(all.score("abc-DEF", List.of("ABC-def"), Map.of())).isEqualTo(1.0);
        // control characters become newlines, then the text is stripped
        assertThat(StringMatch.postprocess("  a\tb\u0001  ")).isEqualTo("a\nb");
    }
}
