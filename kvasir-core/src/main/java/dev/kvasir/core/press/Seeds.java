package dev.kvasir.core.press;

import java.util.SplittableRandom;

/** Reproducible random streams, independent of the order in which heads are processed. */
final class Seeds {
    private Seeds() {}

    static SplittableRandom stream(long seed, int layer, int kvHead) {
        long s = seed * 0x9E3779B97F4A7C15L + layer * 0xBF58476D1CE4E5B9L + kvHead * 0x94D049BB133111EBL;
        return new SplittableRandom(s ^ (s >>> 31));
    }
}
