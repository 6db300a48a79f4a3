package dev.kvasir.eval.task.ruler;

import java.util.Random;

/**
 * Builds a RULER input from a number of filler units (haystack sentences, essay words, list
 * words). Must be deterministic for a given random state and monotone in {@code units}, because
 * the task binary-searches the unit count that fills the token budget, rebuilding from the same
 * seed each time.
 */
interface RulerGenerator {
    RulerParts generate(Random rnd, int units);

    /** The smallest meaningful unit count. */
    int minUnits();
}
