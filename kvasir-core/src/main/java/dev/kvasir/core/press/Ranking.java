package dev.kvasir.core.press;

import java.util.Arrays;

/**
 * Primitive ranking helpers (no boxing): score/index pairs are packed into longs whose natural
 * order is (score, index), so one {@code Arrays.sort(long[])} ranks a head in O(n log n).
 *
 * <p>Tie rule used everywhere: among equal scores the <em>later</em> slot ranks first (recency
 * wins, as kvpress's CaM does); NaN ranks below everything.
 */
final class Ranking {
    private Ranking() {}

    /** An int whose signed order is the order of the floats (NaN as −∞). */
    static int sortable(float score) {
        int b = Float.floatToIntBits(Float.isNaN(score) ? Float.NEGATIVE_INFINITY : score);
        return b ^ ((b >> 31) & 0x7FFFFFFF);
    }

    /** A long whose signed order is (score, index). */
    static long key(float score, int index) {
        return ((long) sortable(score) << 32) | (index & 0xFFFFFFFFL);
    }

    /** Indices 0..n-1 of {@code s} from the highest score to the lowest (ties: higher index first). */
    static int[] descending(float[] s) {
        int n = s.length;
        long[] k = new long[n];
        for (int i = 0; i < n; i++) k[i] = key(s[i], i);
        Arrays.sort(k);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = (int) k[n - 1 - i];
        return out;
    }

    /** Sum of the {@code k} largest values of {@code s}, given its descending order. */
    static double topSum(float[] s, int[] order, int k) {
        double sum = 0;
        for (int i = 0; i < k && i < order.length; i++) sum += s[order[i]];
        return sum;
    }
}
