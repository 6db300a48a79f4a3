package dev.kvasir.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvasir.core.TestTexts;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Long prompts must encode in linear-ish time: ~48k characters of generated prose, 8k+ tokens per model,
 * cold (no word cache) and warm. The bound is loose (shared 2-core machines); a quadratic merge
 * loop or a regex that backtracks badly would blow through it by orders of magnitude.
 */
class TokenizerPerformanceTest {
    private static final long BOUND_MILLIS = 5_000;

    @Test
    void encodesLongPromptsQuickly() {
        encodesLongPromptsQuickly(List.of(TokenizerTestSupport::smollm2, TokenizerTestSupport::stories260k,
                TokenizerTestSupport::tinyStories));
    }

    @Test
    void encodesLongPromptsQuicklyOnLlama3AndQwen3() {
        encodesLongPromptsQuickly(List.of(TokenizerTestSupport::llama3, TokenizerTestSupport::qwen3));
    }

    private static void encodesLongPromptsQuickly(List<Supplier<Tokenizer>> tokenizers) {
        String text = TestTexts.prose(48_000, 1);
        for (Supplier<Tokenizer> s : tokenizers) {
            Tokenizer t = s.get();
            long t0 = System.nanoTime();
            int[] ids = t.encode(text, true, false);
            long cold = (System.nanoTime() - t0) / 1_000_000;
            t0 = System.nanoTime();
            t.encode(text, true, false);
            long warm = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("%d chars -> %d tokens (vocab %d): cold %d ms, warm %d ms%n",
                    text.length(), ids.length, t.vocabularySize(), cold, warm);
            assertThat(ids.length).isGreaterThan(8_000);
            assertThat(cold).as("cold encode time (ms)").isLessThan(BOUND_MILLIS);
            // TinyStories' 2048-piece vocabulary has no byte fallback pieces: it loses rare characters
            if (t != TokenizerTestSupport.tinyStories()) assertThat(t.decode(ids)).isEqualTo(text);
        }
    }

    /** Pathological input for the split regexes: long runs of one character class. */
    @Test
    void longRunsDoNotBacktrackBadly() {
        longRunsDoNotBacktrackBadly(List.of(TokenizerTestSupport.smollm2(), TokenizerTestSupport.stories260k()));
    }

    @Test
    void longRunsDoNotBacktrackBadlyOnLlama3AndQwen3() {
        longRunsDoNotBacktrackBadly(List.of(TokenizerTestSupport.llama3(), TokenizerTestSupport.qwen3()));
    }

    private static void longRunsDoNotBacktrackBadly(List<Tokenizer> tokenizers) {
        String text = " ".repeat(20_000) + "x" + "\n".repeat(20_000) + "7".repeat(20_000) + "!".repeat(20_000) + "a".repeat(20_000);
        for (Tokenizer t : tokenizers) {
            long t0 = System.nanoTime();
            int[] ids = t.encode(text, false, false);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("runs: %d tokens in %d ms%n", ids.length, ms);
            assertThat(ms).isLessThan(BOUND_MILLIS);
            assertThat(t.decode(ids)).isEqualTo(text);
        }
    }
}
