/**
 * The reference harnesses' metrics, ported so that scores are comparable with published ones:
 * LongBench's qa F1, ROUGE-L (the {@code rouge} package's summary-level variant), classification,
 * retrieval, count and code-similarity scores, RULER's string matches, and {@code niah-keywords}.
 * Where the Python originals have quirks that change numbers (set-based ROUGE-L, the skipped
 * element in classification, Python's rounding and whitespace) the quirks are reproduced and
 * documented on the class. Each metric scores one prediction in [0, 1].
 */
package dev.kvasir.eval.metrics;
