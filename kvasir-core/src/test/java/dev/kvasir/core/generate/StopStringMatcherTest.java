package dev.kvasir.core.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {
    @Test
    void aStopStringSplitAcrossPiecesIsNeverEmitted() {
        StopStringMatcher m = StopStringMatcher.of("<|im_end|>");
        assertThat(m.push("Hello <|im")).isEqualTo("Hello ");
        assertThat(m.heldBack()).isEqualTo(4);
        assertThat(m.stopped()).isFalse();
        assertThat(m.push("_e")).isEmpty();
        assertThat(m.push("nd|> and more")).isEmpty();
        assertThat(m.stopped()).isTrue();
        assertThat(m.matchedStop()).isEqualTo("<|im_end|>");
        assertThat(m.push("ignored")).isEmpty();
        assertThat(m.flush()).isEmpty();
    }

    @Test
    void heldTextIsReleasedWhenItTurnsOutNotToBeAStop() {
        StopStringMatcher m = StopStringMatcher.of("<|im_end|>");
        assertThat(m.push("a <")).isEqualTo("a ");
        assertThat(m.push("|i")).isEmpty();
        assertThat(m.push("s> x")).isEqualTo("<|is> x");
        assertThat(m.push("y <|im_en")).isEqualTo("y ");
        assertThat(m.flush()).isEqualTo("<|im_en"); // generation ended without the stop string
        assertThat(m.stopped()).isFalse();
    }

    @Test
    void textBeforeTheStopInTheSamePieceIsEmitted() {
        StopStringMatcher m = StopStringMatcher.of("\nUser:");
        assertThat(m.push("The answer is 4.\nUser: next")).isEqualTo("The answer is 4.");
        assertThat(m.stopped()).isTrue();
    }

    @Test
    void theEarliestStopWinsAndTiesReportTheFirstListed() {
        StopStringMatcher m = StopStringMatcher.of("END", "STOP");
        assertThat(m.push("xx STOP yy END")).isEqualTo("xx ");
        assertThat(m.matchedStop()).isEqualTo("STOP");

        StopStringMatcher tie = StopStringMatcher.of("ab", "abc");
        assertThat(tie.push("xab")).isEqualTo("x");
        assertThat(tie.matchedStop()).isEqualTo("ab");

        // "bc" is complete but "abcd" could still start earlier: wait for the next piece to decide
        StopStringMatcher nested = StopStringMatcher.of("abcd", "bc");
        assertThat(nested.push("xab")).isEqualTo("x");
        assertThat(nested.push("c")).isEmpty();
        assertThat(nested.stopped()).isFalse();
        assertThat(nested.push("d")).isEmpty();
        assertThat(nested.matchedStop()).isEqualTo("abcd");

        StopStringMatcher ruledOut = StopStringMatcher.of("abcd", "bc");
        assertThat(ruledOut.push("xabc")).isEqualTo("x");
        assertThat(ruledOut.push("e")).isEqualTo("a");
        assertThat(ruledOut.matchedStop()).isEqualTo("bc");

        StopStringMatcher endedWhileWaiting = StopStringMatcher.of("abcd", "bc");
        assertThat(endedWhileWaiting.push("xabc")).isEqualTo("x");
        assertThat(endedWhileWaiting.flush()).isEqualTo("a");
        assertThat(endedWhileWaiting.stopped()).isTrue();
    }

    @Test
    void withoutStopStringsEverythingPassesThrough() {
        StopStringMatcher m = new StopStringMatcher(List.of());
        assertThat(m.push("<|im_end|>")).isEqualTo("<|im_end|>");
        assertThat(m.flush()).isEmpty();
    }

    @Test
    void emptyStopStringsAreRejected() {
        assertThatThrownBy(() -> StopStringMatcher.of("x", "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void surrogatePairsStayWhole() {
        StopStringMatcher m = StopStringMatcher.of("😀!");
        assertThat(m.push("ok 😀")).isEqualTo("ok ");
        assertThat(m.push("?")).isEqualTo("😀?");
    }

    @Provide
    Arbitrary<String> text() {
        return Arbitraries.strings().withChars("ab c").ofMaxLength(40);
    }

    @Provide
    Arbitrary<List<String>> stops() {
        return Arbitraries.strings().withChars("ab c").ofMinLength(1).ofMaxLength(4).list().ofMinSize(1).ofMaxSize(3);
    }

    /**
     * Whatever the split, the emitted pieces plus flush are the input cut before the earliest
     * stop string, no more than (longest stop - 1) characters are ever held back, and the
     * matcher reports the stop.
     */
    @Property(tries = 2000)
    void emittedPiecesPlusFlushAreTheInputTruncatedAtTheFirstStop(
            @ForAll("text") String input, @ForAll("stops") List<String> stops,
            @ForAll @Size(max = 8) List<@IntRange(min = 0, max = 40) Integer> cuts) {
        List<String> pieces = split(input, cuts);
        StopStringMatcher m = new StopStringMatcher(stops);
        int longest = stops.stream().mapToInt(String::length).max().orElse(0);
        StringBuilder emitted = new StringBuilder();
        int pushed = 0;
        for (String piece : pieces) {
            emitted.append(m.push(piece));
            pushed += piece.length();
            if (!m.stopped()) {
                assertThat(pushed - emitted.length()).isEqualTo(m.heldBack()).isLessThanOrEqualTo(longest - 1);
            }
        }
        emitted.append(m.flush());
        assertThat(m.heldBack()).isZero();

        int first = -1;
        for (String stop : stops) {
            int at = input.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        assertThat(emitted.toString()).isEqualTo(first < 0 ? input : input.substring(0, first));
        assertThat(m.stopped()).isEqualTo(first >= 0);
        if (first >= 0) assertThat(input.startsWith(m.matchedStop(), first)).isTrue();
    }

    private static List<String> split(String s, List<Integer> cuts) {
        List<Integer> points = new ArrayList<>();
        for (int c : cuts) points.add(Math.min(c, s.length()));
        points.sort(null);
        List<String> pieces = new ArrayList<>();
        int from = 0;
        for (int p : points) {
            pieces.add(s.substring(from, p));
            from = p;
        }
        pieces.add(s.substring(from));
        return pieces;
    }
}
