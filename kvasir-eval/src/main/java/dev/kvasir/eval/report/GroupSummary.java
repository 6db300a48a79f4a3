package dev.kvasir.eval.report;

/**
 * Means over the rows of one (task, method, requested budget). Scores are on LongBench's and
 * RULER's 0–100 scale.
 *
 * @param pctOfFull the mean score as a percentage of the full-cache mean on the same samples, NaN without a baseline
 */
public record GroupSummary(
        String task,
        String method,
        double budget,
        int samples,
        double score,
        double pctOfFull,
        double kvBytesKept,
        double kvBytesFull,
        double budgetAchieved,
        double prefillTokensPerSecond,
        double decodeTokensPerSecond,
        double compressMillis,
        double promptTokens) {
}
