package dev.kvasir.eval.task;

import dev.kvasir.core.TestTexts;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.TaskConfig;
import dev.kvasir.eval.WordTokenizer;
import dev.kvasir.eval.metrics.Metrics;
import dev.kvasir.eval.text.TokenFitter;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class NiahTaskTest {
    /** Generated prose, not the essays: these tests are about where and how the task places its text. */
    private static final Path HAYSTACK = TestTexts.proseFile(60_000, 7);
    private static final String OPEN = "This is a very long story book: <book> ";
    private static final String CLOSE = " </book>.";
    private static final List<Double> DEPTHS = List.of(0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0);

    private final WordTokenizer tok = new WordTokenizer();

    private List<EvalSample> samples(List<Integer> lengths, List<Double> depths, String snap) {
        return new NiahTask().samples(TaskConfig.builder().tokenizer(tok).dataPath(HAYSTACK).contextLengths(lengths)
                .depths(depths).option("snap", snap).build());
    }

    /** The needle's depth measured independently: haystack tokens before it over haystack tokens without it. */
    private double measuredDepth(EvalSample s) {
        String book = s.context().substring(OPEN.length(), s.context().length() - CLOSE.length());
        String needle = (String) s.metadata().get(EvalSample.NEEDLE);
        int at = book.indexOf(needle);
        assertThat(at).isGreaterThanOrEqualTo(0);
        int before = TokenFitter.count(tok, book.substring(0, at));
        // the needle and the space that separates it take count(" " + needle) tokens
        int haystack = TokenFitter.count(tok, book) - TokenFitter.count(tok, " " + needle);
        return (double) before / haystack;
    }

    @Test
    void needleSitsAtTheRequestedTokenDepth() {
        for (EvalSample s : samples(List.of(1000, 4000), DEPTHS, "nearest")) {
            double depth = (double) s.metadata().get(EvalSample.DEPTH);
            int length = (int) s.metadata().get(EvalSample.LENGTH);
            // nearest sentence boundary: off by at most about half a sentence (~15 tokens)
            double tolerance = length >= 4000 ? 0.01 : 0.03;
            assertThat(measuredDepth(s)).as(s.id()).isCloseTo(depth, within(tolerance));
            assertThat((double) s.metadata().get("actualDepth")).as(s.id()).isCloseTo(depth, within(tolerance));
        }
    }

    @Test
    void backwardSnapNeverGoesDeeper() {
        // (0.002: the independent measurement may be one token off at the very end)
        for (EvalSample s : samples(List.of(2000), DEPTHS, "backward")) {
            double depth = (double) s.metadata().get(EvalSample.DEPTH);
            assertThat(measuredDepth(s)).as(s.id()).isLessThanOrEqualTo(depth + 0.002).isGreaterThan(depth - 0.05);
        }
    }

    @Test
    void insertedAtASentenceBoundaryAndWrappedLikeKvpress() {
        EvalSample s = samples(List.of(1500), List.of(0.5), "nearest").getFirst();
        String needle = NiahSettingsDefaults.NEEDLE;
        assertThat(s.context()).startsWith(OPEN).endsWith(CLOSE);
        int at = s.context().indexOf(needle);
        String before = s.context().substring(0, at).stripTrailing();
        assertThat(before).matches("(?s).*[.!?][\"')\\]]?$");
        assertThat(Character.isWhitespace(s.context().charAt(at + needle.length()))).isTrue();
        assertThat(s.question()).isEqualTo("\nWhat is the best thing to do in San Francisco?");
        assertThat(s.answerPrefix()).isEqualTo("\nThe best thing to do in San Francisco is");
        assertThat(s.metric()).isEqualTo("niah-keywords");
        assertThat(Metrics.score(s, " to eat a sandwich and sit in Dolores Park on a sunny day.")).isEqualTo(1.0);
        assertThat(Metrics.score(s, " to eat a sandwich.")).isCloseTo(1.0 / 3, within(1e-12));
    }

    @Test
    void promptLengthMatchesTheTarget() {
        for (EvalSample s : samples(List.of(500, 3000), List.of(0.0, 0.5, 1.0), "nearest")) {
            int length = (int) s.metadata().get(EvalSample.LENGTH);
            int tokens = TokenFitter.count(tok, s.prompt());
            assertThat(tokens).as(s.id()).isLessThanOrEqualTo(length).isGreaterThan(length - 10);
        }
    }

    @Test
    void anyTextFileIsAHaystackAndRepeatsWhenShort(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("short.txt");
        Files.writeString(file, "One short sentence here. Another one follows. The end is near.");
        EvalSample s = new NiahTask().samples(TaskConfig.builder().tokenizer(tok).dataPath(file).contextLengths(400)
                .depths(0.5).option("needle", "The secret word is banana.").option("question", "What is the secret word?")
                .option("answerPrefix", "The secret word is").option("expected", "banana").build()).getFirst();
        assertThat(s.context()).contains("The secret word is banana.");
        assertThat(TokenFitter.count(tok, s.prompt())).isBetween(390, 400);
        assertThat(Metrics.score(s, " banana")).isEqualTo(1.0);
    }

    /** The default needle, spelled out here so that a change of default is a visible test change. */
    private static final class NiahSettingsDefaults {
        static final String NEEDLE = "The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day.";
    }

    @Test
    void metricOptionScoresAsTheChosenHarnessAndNamesItInTheRows() {
        TaskConfig.Builder b = TaskConfig.builder().tokenizer(tok).dataPath(HAYSTACK).contextLengths(List.of(400)).depths(List.of(0.5));
        EvalSample plain = new NiahTask().samples(b.build()).getFirst();
        assertThat(plain.metric()).isEqualTo("niah-keywords");
        assertThat(plain.meta(EvalSample.TASK_LABEL, "niah")).isEqualTo("niah");
        EvalSample rouge = new NiahTask().samples(b.option("metric", "rouge1-f").build()).getFirst();
        assertThat(rouge.metric()).isEqualTo("niah-rouge1-f");
        assertThat(rouge.meta(EvalSample.TASK_LABEL, "niah")).isEqualTo("niah:metric=rouge1-f");
        assertThat(rouge.prompt()).isEqualTo(plain.prompt());
        // the forced answer prefix is part of the scored response: the prefix plus the rest of the needle scores 1
        assertThat(dev.kvasir.eval.metrics.Metrics.score(rouge, " eat a sandwich and sit in Dolores Park on a sunny day.")).isEqualTo(1.0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new NiahTask().samples(b.option("metric", "bleu").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metric=bleu").hasMessageContaining("rouge1-recall");
    }
}
