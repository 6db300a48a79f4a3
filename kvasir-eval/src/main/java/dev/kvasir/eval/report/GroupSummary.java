package dev.kvasir.eval.report;

import java.util.List;

/**
 * Means over the rows of one (task, method, requested budget). Scores are on LongBench's and
 * RULER's 0–100 scale.
 *
 * @param samples   n, the rows (one per sample) the means are over
 * @param pctOfFull the mean score as a percentage of the full-cache mean on the same samples, NaN without a baseline
 * @param ciLow     lower end of the score's 95 % bootstrap interval over samples ({@link Bootstrap})
 * @param ciHigh    upper end of that interval
 * @param kvBytesKept mean bytes the stores held (allocated: keys, values, positions, masses, headroom)
 * @param kvBytesKeptLogical mean key/value bytes of the kept slots
 * @param budgetNotes the distinct budget notes of the rows (kept bytes off the request by more than 2 %, and why)
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
        double ciHigh,
        double kvBytesKeptLogical,
        List<String> budgetNotes) {

    public GroupSummary {
        budgetNotes = budgetNotes == null ? List.of() : List.copyOf(budgetNotes);
    }
}
