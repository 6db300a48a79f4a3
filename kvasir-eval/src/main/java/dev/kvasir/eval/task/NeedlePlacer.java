package dev.kvasir.eval.task;

import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.eval.text.TokenFitter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Inserts a needle into a haystack at a sentence boundary close to a requested token depth.
 *
 * <p>Depth is measured in tokens of the haystack, as in the reference harnesses (gkamradt's
 * LLMNeedleHaystackTester and KVCache-Factory insert at {@code int(len(tokens) * depth)} and then
 * move to a sentence end). Inserting whole sentences keeps the text natural; the needle's token
 * position is then within one sentence of the request. Token positions of candidate boundaries
 * are found by tokenising prefixes (a binary search, about log2(#sentences) encodes), which works
 * for any tokenizer without knowing how it merges punctuation.
 */
public final class NeedlePlacer {
    private NeedlePlacer() {}

    /** How to move from the requested token position to a sentence boundary. */
    public enum Snap {
        /** the boundary whose token position is closest to the request (default: most accurate depth) */
        NEAREST,
        /** the last boundary at or before the request (gkamradt: walk back to the previous period) */
        BACKWARD
    }

    /**
     * @param text             the haystack with the needle inserted
     * @param needleCharStart  where the needle starts in {@code text}
     * @param tokensBefore     haystack tokens before the insertion point
     * @param haystackTokens   tokens of the haystack without the needle
     */
    public record Placement(String text, int needleCharStart, int tokensBefore, int haystackTokens) {
        /** The achieved depth: haystack tokens before the needle over all haystack tokens. */
        public double actualDepth() {
            return haystackTokens == 0 ? 0.0 : (double) tokensBefore / haystackTokens;
        }
    }

    // a sentence ends with . ! or ? (optionally closed by a quote or bracket) followed by whitespace
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?][\"')\\]]?(?=\\s)");

    /** Character offsets where a needle may go: 0, after every sentence end, and the end. */
    static List<Integer> boundaries(String haystack) {
        List<Integer> out = new ArrayList<>();
        out.add(0);
        Matcher m = SENTENCE_END.matcher(haystack);
        while (m.find()) {
            if (m.end() > out.getLast()) out.add(m.end());
        }
        if (haystack.length() > out.getLast()) out.add(haystack.length());
        return out;
    }

    public static Placement place(Tokenizer tokenizer, String haystack, String needle, double depth, Snap snap) {
        if (!(depth >= 0 && depth <= 1)) throw new IllegalArgumentException("depth must be in [0, 1]: " + depth);
        int total = TokenFitter.count(tokenizer, haystack);
        int target = (int) Math.round(depth * total);
        List<Integer> bounds = boundaries(haystack);

        // first boundary whose prefix has at least `target` tokens (prefix token counts grow with the offset)
        int lo = 0;
        int hi = bounds.size() - 1;
        int[] memo = new int[bounds.size()];
        Arrays.fill(memo, -1);
        memo[hi] = total;
        memo[0] = 0;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (tokensAt(tokenizer, haystack, bounds, memo, mid) >= target) hi = mid;
            else lo = mid + 1;
        }
        int chosen = lo;
        int atOrAfter = tokensAt(tokenizer, haystack, bounds, memo, lo);
        if (lo > 0 && atOrAfter != target) {
            int before = tokensAt(tokenizer, haystack, bounds, memo, lo - 1);
            boolean takeBefore = snap == Snap.BACKWARD || target - before <= atOrAfter - target;
            if (takeBefore) chosen = lo - 1;
        }
        int offset = bounds.get(chosen);
        String head = haystack.substring(0, offset);
        String tail = haystack.substring(offset);
        String sepBefore = head.isEmpty() || Character.isWhitespace(head.charAt(head.length() - 1)) ? "" : " ";
        String sepAfter = tail.isEmpty() || Character.isWhitespace(tail.charAt(0)) ? "" : " ";
        String text = head + sepBefore + needle + sepAfter + tail;
        return new Placement(text, head.length() + sepBefore.length(), tokensAt(tokenizer, haystack, bounds, memo, chosen), total);
    }

    private static int tokensAt(Tokenizer tokenizer, String haystack, List<Integer> bounds, int[] memo, int index) {
        if (memo[index] < 0) memo[index] = TokenFitter.count(tokenizer, haystack.substring(0, bounds.get(index)));
        return memo[index];
    }
}
