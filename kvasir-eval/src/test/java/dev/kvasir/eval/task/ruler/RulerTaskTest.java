package dev.kvasir.eval.task.ruler;

import dev.kvasir.core.TestTexts;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.TaskConfig;
import dev.kvasir.eval.Tasks;
import dev.kvasir.eval.WordTokenizer;
import dev.kvasir.eval.metrics.Metrics;
import dev.kvasir.eval.text.TokenFitter;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class RulerTaskTest {
    /** Generated prose, not the essays: these tests are about where and how the task places its text. */
    private static final Path HAYSTACK = TestTexts.proseFile(60_000, 7);
    private final WordTokenizer tok = new WordTokenizer();

    private List<EvalSample> samples(String task, int length, int n) {
        return Tasks.byName(task).samples(TaskConfig.builder().tokenizer(tok).dataPath(HAYSTACK).seed(3)
                .contextLengths(length).samplesPerPoint(n).build());
    }

    @Test
    void everyTaskFitsRulersBudgetAndAnswersFromItsContext() {
        for (String task : RulerTask.names()) {
            for (int length : List.of(1024, 4096)) {
                EvalSample s = samples(task, length, 1).getFirst();
                int tokens = TokenFitter.count(tok, s.prompt());
                // RULER: prompt + generated tokens <= length, and the filler is as large as fits
                assertThat(tokens + s.maxNewTokens()).as(s.id()).isLessThanOrEqualTo(length);
                assertThat(tokens + s.maxNewTokens()).as(s.id()).isGreaterThan((int) (length * 0.9));
                assertThat(s.metric()).isEqualTo("string_match_all");
                assertThat(s.answers()).as(s.id()).isNotEmpty();
                for (String answer : s.answers()) assertThat(s.context()).as(s.id()).contains(answer);
                // a perfect answer scores 1, an empty one 0
                assertThat(Metrics.score(s, " " + String.join(", ", s.answers()))).isEqualTo(1.0);
                assertThat(Metrics.score(s, "")).isZero();
            }
        }
    }

    @Test
    void niahSingleUsesRulersSingularTemplate() {
        EvalSample s = samples("niah_single_1", 1024, 1).getFirst();
        assertThat(s.context()).startsWith("A special magic number is hidden within the following text. "
                + "Make sure to memorize it. I will quiz you about the number afterwards.\n");
        // noise haystack: the filler paragraph on every line but the needle's
        String needle = "One of the special magic numbers for " + s.question().replaceAll("(?s).*number for (\\S+) mentioned.*", "$1")
                + " is: " + s.answers().getFirst() + ".";
        assertThat(s.context().lines().skip(1)).allMatch(l -> l.equals(RulerNiahGenerator.NOISE) || l.equals(needle));
        assertThat(s.question()).matches("\nWhat is the special magic number for [a-z]+-[a-z]+ mentioned in the provided text\\?");
        assertThat(s.answerPrefix()).matches(" The special magic number for [a-z]+-[a-z]+ mentioned in the provided text is");
        assertThat(s.answers()).singleElement().asString().matches("[1-9][0-9]{6}");
        assertThat(s.maxNewTokens()).isEqualTo(128);
    }

    @Test
    void multiKeyValueQueryShapes() {
        EvalSample mk = samples("niah_multikey_1", 2048, 1).getFirst();
        // four needles with distinct keys, one asked
        assertThat(count(mk.context(), "One of the special magic numbers for ")).isEqualTo(4);
        assertThat(mk.answers()).hasSize(1);

        EvalSample mv = samples("niah_multivalue", 2048, 1).getFirst();
        assertThat(mv.answers()).hasSize(4);
        assertThat(mv.question()).startsWith("\nWhat are all the special magic numbers for ");

        EvalSample mq = samples("niah_multiquery", 2048, 1).getFirst();
        assertThat(mq.answers()).hasSize(4);
        assertThat(mq.question()).matches("\nWhat are all the special magic numbers for [a-z-]+, [a-z-]+, [a-z-]+, and [a-z-]+ mentioned in the provided text\\?");

        EvalSample uu = samples("niah_multikey_3", 2048, 1).getFirst();
        assertThat(uu.answers().getFirst()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        // the haystack is made of distractor needles
        assertThat(count(uu.context(), "One of the special magic uuids for ")).isGreaterThan(10);
    }

    @Test
    void variableTrackingChainsAndExample() {
        EvalSample s = samples("vt", 4096, 1).getFirst();
        assertThat(s.answers()).hasSize(5).allMatch(v -> v.matches("[A-Z]{5}"));
        String value = s.question().replaceAll("(?s).*assigned the value (\\d+) in.*", "$1");
        assertThat(s.context()).contains("VAR " + s.answers().getFirst() + " = " + value);
        for (int i = 1; i < 5; i++) {
            assertThat(s.context()).contains("VAR " + s.answers().get(i) + " = VAR " + s.answers().get(i - 1) + " ");
        }
        // the solved example (3-letter names) comes first, then the task
        assertThat(s.context()).startsWith("Memorize and track the chain(s) of variable assignment hidden in the following text.\n\n");
        assertThat(count(s.context(), "Memorize and track the chain(s)")).isEqualTo(2);
        assertThat(s.answerPrefix()).isEqualTo(" Answer: According to the chain(s) of variable assignment in the text above, 5 variables are assigned the value "
                + value + ", they are: ");
        assertThat(s.maxNewTokens()).isEqualTo(30);
    }

    @Test
    void commonWordsAreTheMostRepeated() {
        EvalSample s = samples("cwe", 4096, 1).getFirst();
        Map<String, Long> counts = Arrays.stream(s.context().substring(s.context().lastIndexOf("most often.\n") + 12).split(" "))
                .filter(w -> !w.matches("\\d+\\.")).collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(s.answers()).hasSize(10).allMatch(w -> counts.get(w) == 30);
        assertThat(counts.values().stream().filter(c -> c != 30)).allMatch(c -> c == 3);
        assertThat(s.answerPrefix()).isEqualTo(" Answer: The top 10 words that appear most often in the list are:");
    }

    @Test
    void frequentWordsFollowZipf() {
        EvalSample s = samples("fwe", 4096, 1).getFirst();
        Map<String, Long> counts = Arrays.stream(s.context().substring(s.context().indexOf("coded words. ") + 13).split(" "))
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        long top = counts.get("...");
        // ranks 2, 3, 4 have about 1/4, 1/9, 1/16 of the top count and are the most frequent real words
        assertThat(counts.get(s.answers().get(0))).isBetween(top / 4 - 1, top / 4 + 1);
        assertThat(counts.get(s.answers().get(1))).isBetween(top / 9 - 1, top / 9 + 1);
        long others = counts.entrySet().stream().filter(e -> !e.getKey().equals("...") && !s.answers().contains(e.getKey()))
                .mapToLong(Map.Entry::getValue).max().orElse(0);
        assertThat(others).isLessThanOrEqualTo(counts.get(s.answers().get(2)));
        assertThat(FrequentWordsGenerator.zeta(2.0)).isCloseTo(Math.PI * Math.PI / 6, org.assertj.core.api.Assertions.within(1e-12));
    }

    @Test
    void seededSamplesAreReproducibleAndDistinct() {
        List<EvalSample> a = samples("niah_single_2", 1024, 3);
        assertThat(samples("niah_single_2", 1024, 3)).isEqualTo(a);
        assertThat(a.stream().map(s -> s.answers().getFirst()).distinct()).hasSize(3);
        assertThat(a.stream().map(EvalSample::id)).containsExactly("niah_single_2-L1024-s0", "niah_single_2-L1024-s1", "niah_single_2-L1024-s2");
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) n++;
        return n;
    }
}
