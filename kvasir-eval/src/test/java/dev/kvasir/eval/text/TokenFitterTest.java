package dev.kvasir.eval.text;

import dev.kvasir.eval.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

class TokenFitterTest {
    private final WordTokenizer tok = new WordTokenizer();

    /** A header, then n filler units of uneven token counts. */
    private static String build(int n) {
        StringBuilder b = new StringBuilder("Header text that costs a few tokens.\n");
        for (int i = 0; i < n; i++) b.append(i % 3 == 0 ? " alpha, beta." : i % 3 == 1 ? " gamma" : " delta epsilon zeta!");
        return b.toString();
    }


    @Test
    void findsTheLargestFittingCountWithFewTokenisations() {
        for (int budget : new int[] {20, 37, 100, 999, 5000, 20000}) {
            AtomicInteger calls = new AtomicInteger();
            IntFunction<String> counting = n -> {
                calls.incrementAndGet();
                return build(n);
            };
            int n = TokenFitter.largestFitting(tok, counting, budget, 1);
            // build() only grows with n: n is the largest when n fits and n + 1 does not
            assertThat(TokenFitter.count(tok, build(n))).as("budget %d", budget).isLessThanOrEqualTo(budget);
            assertThat(TokenFitter.count(tok, build(n + 1))).as("budget %d", budget).isGreaterThan(budget);
            assertThat(calls.get()).as("tokenisations for budget %d", budget).isLessThanOrEqualTo(16);
        }
    }

    @Test
    void returnsTheMinimumWhenNothingFits() {
        assertThat(TokenFitter.largestFitting(tok, TokenFitterTest::build, 3, 5)).isEqualTo(5);
    }
}
