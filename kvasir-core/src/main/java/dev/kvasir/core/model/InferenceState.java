package dev.kvasir.core.model;

/**
 * Scratch buffers for forward passes of up to {@code maxBatch} tokens, reused across calls so
 * the hot path allocates nothing. One per concurrently running sequence.
 */
public final class InferenceState {
    final int maxBatch;
    final float[] x, xb, xb2, q, k, v, att, hb, hb2;
    final float[] ropeCos, ropeSin;
    /** RoPE tables of the sliding-window layers (their own base), null when the model has none. */
    final float[] localRopeCos, localRopeSin;
    /** Slots each KV head held before the current chunk. */
    final int[] bases;
    /** Slots each KV head attends over in a single-token step. */
    final int[] slotCounts;
    /** The query heads' attention-row buffers of the current layer, for decode-time presses. */
    final float[][] rowRefs;
    /** Per KV head, its keys in transposed blocks for the current prefill chunk (grown as needed). */
    final float[][] keysT;
    final float[] keyTmp;
    /** Logits of the last token of the last forward call. */
    final float[] logits;
    /** Logits of every token of the last call, when requested ([maxBatch * vocab]), lazily allocated. */
    float[] allLogits;
    final ThreadLocal<float[]> probs;
    /** When set, single-token forwards keep each layer's attention rows ([layer][queryHead][slot]) for decode-time presses. */
    boolean recordLastRows;
    float[][][] lastRows;

    public InferenceState(ModelConfig c, int maxBatch) {
        this.maxBatch = maxBatch;
        x = new float[maxBatch * c.dim()];
        xb = new float[maxBatch * Math.max(c.dim(), c.qDim())];
        xb2 = new float[maxBatch * c.dim()];
        q = new float[maxBatch * c.qDim()];
        k = new float[maxBatch * c.kvDim()];
        v = new float[maxBatch * c.kvDim()];
        att = new float[maxBatch * c.qDim()];
        hb = new float[maxBatch * c.hiddenDim()];
        hb2 = new float[maxBatch * c.hiddenDim()];
        ropeCos = new float[maxBatch * c.ropeDim() / 2];
        ropeSin = new float[maxBatch * c.ropeDim() / 2];
        localRopeCos = c.sliding() != null ? new float[maxBatch * c.ropeDim() / 2] : null;
        localRopeSin = c.sliding() != null ? new float[maxBatch * c.ropeDim() / 2] : null;
        logits = new float[c.vocabularySize()];
        bases = new int[c.kvHeads()];
        slotCounts = new int[c.kvHeads()];
        rowRefs = new float[c.heads()][];
        keysT = new float[c.kvHeads()][];
        keyTmp = new float[c.headDim()];
        probs = ThreadLocal.withInitial(() -> new float[1024]);
    }

    /** The logits of the last token of the last forward call (a live view: copy to keep). */
    public float[] logits() { return logits; }

    /** Logits of token b of the last call made with allLogits=true. */
    public float[] allLogits() { return allLogits; }

    /**
     * Makes single-token forwards keep the attention rows of the new query, for presses that
     * compress while decoding (H2O, TOVA).
     */
    public void recordDecodeAttention(boolean on) {
        recordLastRows = on;
    }

    /**
     * The attention rows of the last single-token forward for one layer, [queryHead][slot]: row h
     * holds exactly one probability per slot of h's KV head, the new token's included.
     */
    public float[][] lastAttentionRows(int layer) {
        if (lastRows == null) throw new IllegalStateException("decode attention is not being recorded");
        return lastRows[layer];
    }

    /**
     * The row buffer of (layer, query head), exactly {@code n} long: decode-time presses read a
     * row's length as the head's slot count (and check it). Once a press keeps the cache at its
     * cap, n is the same every step and the buffer is reused.
     */
    float[] lastRowBuffer(int layers, int heads, int layer, int head, int n) {
        if (lastRows == null) lastRows = new float[layers][heads][];
        float[] row = lastRows[layer][head];
        if (row == null || row.length != n) {
            row = new float[n];
            lastRows[layer][head] = row;
        }
        return row;
    }

    private int[] decodeUnitStarts = new int[0];
    private float[] decodePartials = new float[0];

    /** {@link GroupedDecodeAttention}'s first chunk index per KV head (n entries, first one 0). */
    int[] decodeUnitStarts(int n) {
        if (decodeUnitStarts.length < n) decodeUnitStarts = new int[n];
        decodeUnitStarts[0] = 0;
        return decodeUnitStarts;
    }

    /** {@link GroupedDecodeAttention}'s per-chunk softmax statistics and partial outputs. */
    float[] decodePartials(int n) {
        if (decodePartials.length < n) decodePartials = new float[n + (n >> 1)];
        return decodePartials;
    }

    private final ThreadLocal<float[][]> chunkScratch = ThreadLocal.withInitial(() -> new float[2][0]);

    /** Per thread, two float buffers of at least n (keys and values of a half-precision chunk). */
    float[][] chunkScratch(int n) {
        float[][] kv = chunkScratch.get();
        if (kv[0].length < n) {
            kv[0] = new float[n];
            kv[1] = new float[n];
        }
        return kv;
    }

    private final ThreadLocal<float[][]> tileRows = ThreadLocal.withInitial(() -> new float[0][0]);

    /** Per thread, {@code count} rows of at least {@code length} floats ({@link TiledPrefillAttention}'s attention rows). */
    float[][] tileRows(int count, int length) {
        float[][] rows = tileRows.get();
        if (rows.length != count || rows[0].length < length) {
            rows = new float[count][Math.max(length, rows.length == 0 ? 0 : rows[0].length + (rows[0].length >> 1))];
            tileRows.set(rows);
        }
        return rows;
    }

    float[] probsScratch(int n) {
        float[] p = probs.get();
        if (p.length < n) {
            p = new float[Math.max(n, p.length * 2)];
            probs.set(p);
        }
        return p;
    }
}
