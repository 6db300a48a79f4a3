package dev.kvasir.core.press;

/**
 * Attention statistics of one layer, gathered by the engine inside its own prefill attention
 * (never a T×T matrix): only those a method asks for ({@link StatsRequest}) are filled, the
 * others are null. All arrays are per <em>query</em> head; presses aggregate over the GQA group
 * (mean by default). T is the number of tokens in the cache when compression runs (normally
 * the prompt length), indexed by cache slot.
 *
 * @param queryHeads   number of query heads
 * @param kvHeads      number of KV heads (query head q uses KV head q / (queryHeads/kvHeads))
 * @param tokens       T
 * @param columnSums   [queryHead][T]: Σ over all prompt queries i of A[i, j] (H2O's accumulated
 *                     attention), or null
 * @param windowRows   [queryHead][w][T]: the attention rows of the last w queries (row r belongs
 *                     to query T-w+r; entries past the query's own position are 0), or null
 * @param queriesSeen  [T]: how many queries could attend to slot j (T - j for a plain prompt),
 *                     for kvpress's normalised H2O score; may be null
 */
public record AttentionStats(int queryHeads, int kvHeads, int tokens, float[][] columnSums, float[][][] windowRows,
                             int[] queriesSeen) {

    public int groupSize() { return queryHeads / kvHeads; }

    public int window() { return windowRows == null || windowRows.length == 0 ? 0 : windowRows[0].length; }

    /** The last query's attention row for a query head, from the window rows. */
    public float[] lastRow(int queryHead) {
        if (windowRows == null) throw new IllegalStateException("window rows were not gathered");
        float[][] rows = windowRows[queryHead];
        return rows[rows.length - 1];
    }
}
