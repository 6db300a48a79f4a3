package dev.kvasir.core.model;

import dev.kvasir.core.press.AttentionStats;
import dev.kvasir.core.press.StatsRequest;

/**
 * Gathers the attention statistics a compression method asks for while the engine computes
 * prefill attention: per layer and query head, the accumulated column sums over all prompt
 * queries and/or the rows of the last {@code w} queries. Memory is O(T) per head (w·T for the
 * window rows); no T×T matrix is ever built.
 *
 * <p>Query i of the prompt (0-based among the recorded tokens) attends slots 0..startSlots+i.
 * Each query head is written by one thread at a time (the engine partitions attention work by
 * query head while recording), so no synchronisation is needed.
 */
public final class AttentionRecorder {
    private final StatsRequest request;
    private final int queryHeads;
    private final int kvHeads;
    private final int startSlots;
    private final int promptTokens;
    private final int totalSlots;
    private final int window;
    private final float[][][] columnSums;   // [layer][qh][slot]
    private final float[][][][] windowRows; // [layer][qh][r][slot]
    /** Prompt queries already recorded by earlier forward calls of the same prefill. */
    private final int queryOffset;
    /** Per-part partial column sums of the chunk being computed ([part][qh][slot]), folded in by {@link #flush}. */
    private float[][][] partials;

    /**
     * @param startSlots   slots in each head before this prefill (0 for a fresh cache)
     * @param promptTokens tokens this prefill appends
     */
    public AttentionRecorder(StatsRequest request, int layers, int queryHeads, int kvHeads, int startSlots, int promptTokens) {
        this.request = request;
        this.queryHeads = queryHeads;
        this.kvHeads = kvHeads;
        this.startSlots = startSlots;
        this.promptTokens = promptTokens;
        this.totalSlots = startSlots + promptTokens;
        this.window = Math.min(request.window(), promptTokens);
        this.columnSums = request.columnSums() ? new float[layers][queryHeads][totalSlots] : null;
        this.windowRows = window > 0 ? new float[layers][queryHeads][window][totalSlots] : null;
        this.queryOffset = 0;
    }

    private AttentionRecorder(AttentionRecorder o, int queryOffset) {
        this.request = o.request;
        this.queryHeads = o.queryHeads;
        this.kvHeads = o.kvHeads;
        this.startSlots = o.startSlots;
        this.promptTokens = o.promptTokens;
        this.totalSlots = o.totalSlots;
        this.window = o.window;
        this.columnSums = o.columnSums;
        this.windowRows = o.windowRows;
        this.queryOffset = queryOffset;
        this.partials = o.partials;
    }

    /**
     * A view of this recorder for a forward call that starts at prompt query {@code queryOffset}
     * (prefill split into several calls); it writes into the same statistics.
     */
    public AttentionRecorder offset(int queryOffset) {
        return queryOffset == this.queryOffset ? this : new AttentionRecorder(this, queryOffset);
    }

    public boolean active() { return request.any(); }

    /** Makes room for {@code parts} concurrent writers; called before a chunk's attention. */
    void prepare(int parts) {
        if (columnSums != null && (partials == null || partials.length < parts)) {
            partials = new float[parts][queryHeads][totalSlots];
        }
    }

    /**
     * Records the normalised attention row {@code p[0..n)} of prompt query {@code callQuery}
     * (0-based among the tokens of this forward call) for query head {@code qh}. Column sums go
     * to the writer's own partial array ({@code part}), so parts never share a cache line.
     */
    void record(int layer, int qh, int callQuery, float[] p, int n, int part) {
        int query = callQuery + queryOffset;
        if (columnSums != null) {
            float[] cs = partials[part][qh];
            for (int j = 0; j < n; j++) cs[j] += p[j];
        }
        if (windowRows != null) {
            int r = query - (promptTokens - window);
            if (r >= 0) System.arraycopy(p, 0, windowRows[layer][qh][r], 0, n);
        }
    }

    /** Adds the partial column sums of the chunk just computed into layer {@code layer}'s totals. */
    void flush(int layer, int n) {
        if (columnSums == null) return;
        for (float[][] part : partials) {
            for (int h = 0; h < queryHeads; h++) {
                float[] src = part[h], dst = columnSums[layer][h];
                for (int j = 0; j < n; j++) {
                    dst[j] += src[j];
                    src[j] = 0f;
                }
            }
        }
    }

    /** The statistics of one layer, as presses consume them. */
    public AttentionStats stats(int layer) {
        int[] seen = new int[totalSlots];
        for (int j = 0; j < totalSlots; j++) seen[j] = totalSlots - Math.max(j, startSlots);
        return new AttentionStats(queryHeads, kvHeads, totalSlots,
                columnSums == null ? null : columnSums[layer],
                windowRows == null ? null : windowRows[layer], seen);
    }
}
