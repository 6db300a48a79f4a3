package dev.kvasir.eval.text;

import java.util.Random;

/**
 * Per-sample seeds. Each sample's generator is seeded from the base seed and the sample's own
 * coordinates (length, depth index, sample index), so adding a length to a sweep does not
 * change the samples of the other lengths.
 */
public final class Seeds {
    private Seeds() {}

    /** SplitMix64 finaliser over the parts: well mixed, deterministic across JVMs. */
    public static long mix(long... parts) {
        long h = 0x9E3779B97F4A7C15L;
        for (long p : parts) {
            h += p * 0xBF58476D1CE4E5B9L + 0x9E3779B97F4A7C15L;
            h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
            h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
            h ^= h >>> 31;
        }
        return h;
    }

    public static Random random(long... parts) {
        return new Random(mix(parts));
    }

    /** A stable 64-bit hash of a string, for mixing task names into seeds. */
    public static long of(String s) {
        long h = 1125899906842597L;
        for (int i = 0; i < s.length(); i++) h = 31 * h + s.charAt(i);
        return h;
    }
}
