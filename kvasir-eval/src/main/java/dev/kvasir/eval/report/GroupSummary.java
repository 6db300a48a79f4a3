package dev.kvasir.eval.report;

/**
 * Means over the rows of one (task, method, requested budget). Scores are on LongBench's and
 * RULER's 0–100 scale.
 *
 * @param samples   n, the rows (one per sample) the means are over
 * @param pctOfFull the mean score as a percentage of the full-cache mean on the same samples, NaN without a baseline
 * @param ciLow     lower end of the score's 95 % bootstrap interval over samples ({@link Bootstrap})
 * @param ciHigh    upper end of that interval
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
        double promptTokens,
        double ciLow,
        double ciHigh) {
}
