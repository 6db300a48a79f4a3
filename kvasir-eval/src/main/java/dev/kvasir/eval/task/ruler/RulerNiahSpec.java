package dev.kvasir.eval.task.ruler;

/**
 * RULER's needle-in-a-haystack knobs (scripts/synthetic.yaml).
 *
 * @param haystack   NOISE (a repeated filler paragraph), ESSAY (words of a text corpus), or
 *                   NEEDLE (distractor needles with other keys)
 * @param keyType    what keys look like
 * @param valueType  what values look like
 * @param numKeys    needles with distinct keys in the haystack (raised to numQueries)
 * @param numValues  values per key
 * @param numQueries keys asked about
 */
public record RulerNiahSpec(Haystack haystack, Kind keyType, Kind valueType, int numKeys, int numValues, int numQueries) {

    public enum Haystack { NOISE, ESSAY, NEEDLE }

    /** Needle key/value types; the plural is used in the prompt ("special magic numbers"). */
    public enum Kind {
        NUMBERS("numbers"), WORDS("words"), UUIDS("uuids");

        final String plural;

        Kind(String plural) {
            this.plural = plural;
        }
    }

    public RulerNiahSpec {
        if (numKeys < 1 || numValues < 1 || numQueries < 1) throw new IllegalArgumentException("counts must be >= 1");
        numKeys = Math.max(numKeys, numQueries);
    }
}
