package dev.kvasir.eval.text;

import dev.kvasir.core.tokenizer.Tokenizer;

import java.util.function.IntFunction;

/**
 * Finds how many filler units (sentences, words, haystack lines) make a text fit a token budget,
 * as RULER does by search over the unit count, re-tokenising the whole candidate text each time
 * (token counts are not additive across unit boundaries for BPE tokenizers).
 *
 * <p>Tokenising a 100k-token prompt is not free, so the search extrapolates the tokens-per-unit
 * rate to bracket the answer, then narrows the bracket by interpolation alternating with
 * bisection (bisection keeps the worst case logarithmic). Typically 5–8 tokenisations.
 */
public final class TokenFitter {
    private TokenFitter() {}

    /** Tokens of {@code text} as the model will see it inside a prompt: no BOS, special tokens not parsed. */
    public static int count(Tokenizer tokenizer, String text) {
        return tokenizer.encode(text, false, false).length;
    }

    /**
     * The largest {@code n >= min} such that {@code tokens(build(n)) <= maxTokens}, or {@code min}
     * when even {@code build(min)} is too long. {@code build} must be deterministic and, for the
     * result to be the largest, monotone (more units, more tokens); the returned count always
     * fits unless it is {@code min}.
     */
    public static int largestFitting(Tokenizer tokenizer, IntFunction<String> build, int maxTokens, int min) {
        int t0 = count(tokenizer, build.apply(min));
        if (t0 > maxTokens) return min;
        int lo = min;
        int tLo = t0;
        int hi;
        int tHi;
        // bracket: probe just beyond where the observed rate says the budget runs out
        long probe = Math.max(min + 1L, 2L * min);
        while (true) {
            if (probe >= Integer.MAX_VALUE) return lo;
            int t = count(tokenizer, build.apply((int) probe));
            if (t > maxTokens) {
                hi = (int) probe;
                tHi = t;
                break;
            }
            double rate = (double) (t - t0) / (probe - min);
            lo = (int) probe;
            tLo = t;
            long next = rate > 0 ? lo + (long) Math.ceil((maxTokens - tLo) / rate) + 1 : 2L * lo;
            probe = Math.max(next, lo + 1L);
        }
        // narrow: invariant build(lo) fits, build(hi) does not
        boolean interpolate = true;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (interpolate && tHi > tLo) {
                long guess = lo + (long) ((double) (maxTokens - tLo) / (tHi - tLo) * (hi - lo));
                mid = (int) Math.clamp(guess, lo + 1L, hi - 1L);
            }
            interpolate = !interpolate;
            int t = count(tokenizer, build.apply(mid));
            if (t <= maxTokens) {
                lo = mid;
                tLo = t;
            } else {
                hi = mid;
                tHi = t;
            }
        }
        return lo;
    }
}
