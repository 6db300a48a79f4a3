package dev.kvasir.core.model;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.tensor.WeightMatrix;
import dev.kvasir.core.util.Parallel;

/**
 * The Llama-family decoder: token embedding, L blocks of (RMSNorm, GQA attention with RoPE,
 * RMSNorm, SwiGLU FFN) and the output head. One code path serves batched prefill (each weight
 * row decoded once for the whole batch, matrix-matrix) and single-token decode (matrix-vector);
 * both split rows, or heads, across the {@link Parallel} pool.
 *
 * <p>Keys and values go into a {@link KvCache} of per-head variable-length slots; attention
 * iterates over the slots that exist, so compressed caches need no special handling here.
 */
public final class LlamaModel {
    private final ModelConfig c;
    private final ModelWeights w;
    private final Rope rope;
    private final float attnScale;

    public LlamaModel(ModelConfig config, ModelWeights weights) {
        this.c = config;
        this.w = weights;
        this.rope = new Rope(config, weights.ropeFrequencyFactors());
        this.attnScale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    public ModelConfig config() { return c; }

    public ModelWeights weights() { return w; }

    public KvCache newCache(KvPrecision precision, int initialCapacity) {
        return new KvCache(c.layers(), c.kvHeads(), c.headDim(), precision, initialCapacity);
    }

    /** A cache with keys and values at their own precisions. */
    public KvCache newCache(KvPrecision keys, KvPrecision values, int initialCapacity) {
        return new KvCache(c.layers(), c.kvHeads(), c.headDim(), keys, values, initialCapacity);
    }

    public InferenceState newState(int maxBatch) {
        return new InferenceState(c, maxBatch);
    }

    /**
     * Runs {@code count} tokens ({@code tokens[offset..offset+count)}) at the cache's next
     * positions, appending their keys and values, in chunks of the state's batch size. Leaves the
     * last token's logits in {@link InferenceState#logits()}; with {@code allLogits} every
     * token's logits of the <em>last chunk</em> are in {@link InferenceState#allLogits()} (use
     * chunks no longer than the batch for that).
     *
     * @param recorder gathers attention statistics for compression, or null
     */
    public void forward(int[] tokens, int offset, int count, KvCache cache, InferenceState st, Parallel par,
                        AttentionRecorder recorder, boolean allLogits) {
        if (count <= 0) throw new IllegalArgumentException("nothing to run: count = " + count);
        if (cache.nextPosition() + count > Integer.MAX_VALUE / 2) throw new IllegalStateException("position overflow");
        int done = 0;
        while (done < count) {
            int b = Math.min(st.maxBatch, count - done);
            boolean last = done + b == count;
            chunk(tokens, offset + done, b, done, cache, st, par, recorder, last, allLogits && last);
            done += b;
        }
    }

    private void chunk(int[] tokens, int offset, int batch, int queryBase, KvCache cache, InferenceState st, Parallel par,
                       AttentionRecorder recorder, boolean computeLogits, boolean allLogits) {
        final int dim = c.dim(), qDim = c.qDim(), kvDim = c.kvDim(), hd = c.headDim(), hidden = c.hiddenDim();
        final int pos0 = cache.nextPosition();
        for (int b = 0; b < batch; b++) {
            int t = tokens[offset + b];
            if (t < 0 || t >= c.vocabularySize()) {
                throw new IllegalArgumentException("token id " + t + " outside the vocabulary [0, " + c.vocabularySize() + ")");
            }
            w.tokenEmbedding().dequantizeRow(t, st.x, b * dim);
        }
        rope.tables(pos0, batch, st.ropeCos, st.ropeSin);

        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers()[l];
            for (int b = 0; b < batch; b++) Ops.rmsnorm(st.xb, b * dim, st.x, b * dim, lw.attnNorm(), dim, c.rmsNormEps());
            matmul3(par, st.xb, batch, lw.wq(), st.q, lw.wk(), st.k, lw.wv(), st.v);
            for (int b = 0; b < batch; b++) {
                if (lw.bq() != null) {
                    Ops.add(st.q, b * qDim, lw.bq(), 0, qDim);
                    Ops.add(st.k, b * kvDim, lw.bk(), 0, kvDim);
                    Ops.add(st.v, b * kvDim, lw.bv(), 0, kvDim);
                }
                if (lw.qNorm() != null) {
                    for (int h = 0; h < c.heads(); h++) Ops.rmsnorm(st.q, b * qDim + h * hd, st.q, b * qDim + h * hd, lw.qNorm(), hd, c.rmsNormEps());
                    for (int h = 0; h < c.kvHeads(); h++) Ops.rmsnorm(st.k, b * kvDim + h * hd, st.k, b * kvDim + h * hd, lw.kNorm(), hd, c.rmsNormEps());
                }
                rope.apply(st.q, b * qDim, c.heads(), st.ropeCos, st.ropeSin, b);
                rope.apply(st.k, b * kvDim, c.kvHeads(), st.ropeCos, st.ropeSin, b);
            }
            HeadCache[] heads = cache.layer(l);
            // Heads of a layer may hold different numbers of slots (head-adaptive budgets, per-head
            // merging): each head's new tokens start after its own slots.
            int[] bases = st.bases;
            for (int h = 0; h < c.kvHeads(); h++) {
                bases[h] = heads[h].size();
                heads[h].ensureRoom(batch);
                for (int b = 0; b < batch; b++) heads[h].append(st.k, b * kvDim + h * hd, st.v, b * kvDim + h * hd, pos0 + b);
            }
            attention(l, heads, bases, batch, queryBase, st, par, recorder);
            matmul(par, lw.wo(), st.att, batch, st.xb2, dim);
            for (int b = 0; b < batch; b++) Ops.add(st.x, b * dim, st.xb2, b * dim, dim);

            for (int b = 0; b < batch; b++) Ops.rmsnorm(st.xb, b * dim, st.x, b * dim, lw.ffnNorm(), dim, c.rmsNormEps());
            matmul2(par, st.xb, batch, lw.wGate(), st.hb, lw.wUp(), st.hb2);
            Ops.swiglu(st.hb, st.hb2, batch * hidden);
            matmul(par, lw.wDown(), st.hb, batch, st.xb2, dim);
            for (int b = 0; b < batch; b++) Ops.add(st.x, b * dim, st.xb2, b * dim, dim);
        }
        cache.advance(batch);

        if (!computeLogits) return;
        if (allLogits) {
            int vocab = c.vocabularySize();
            if (st.allLogits == null || st.allLogits.length < batch * vocab) st.allLogits = new float[st.maxBatch * vocab];
            for (int b = 0; b < batch; b++) Ops.rmsnorm(st.xb, b * dim, st.x, b * dim, w.outputNorm(), dim, c.rmsNormEps());
            matmul(par, w.output(), st.xb, batch, st.allLogits, vocab);
            System.arraycopy(st.allLogits, (batch - 1) * vocab, st.logits, 0, vocab);
        } else {
            int lastOff = (batch - 1) * dim;
            Ops.rmsnorm(st.xb, 0, st.x, lastOff, w.outputNorm(), dim, c.rmsNormEps());
            WeightMatrix out = w.output();
            par.forRange(out.rows(), 64, (from, to) -> out.matvec(st.xb, 0, st.logits, from, from, to));
        }
    }

    /**
     * Attention of the batch's queries over the cache. Token b sees slots [0, base+b]. Prefill
     * work is split by (token, query head), and the recorder's accumulators are per thread part;
     * a single new token goes through {@link GroupedDecodeAttention}, which also leaves the rows
     * decode-time presses need.
     */
    private void attention(int layer, HeadCache[] heads, int[] bases, int batch, int queryBase, InferenceState st, Parallel par,
                           AttentionRecorder recorder) {
        final int qDim = c.qDim(), hd = c.headDim(), g = c.groupSize(), nh = c.heads();
        int maxBase = 0;
        for (int h = 0; h < c.kvHeads(); h++) maxBase = Math.max(maxBase, bases[h]);
        final int scratch = maxBase + batch;
        boolean record = recorder != null && recorder.active();
        if (batch > 1 || record) {
            // Prefill: transpose each KV head's keys once for the whole chunk, then every
            // (token, query head) pair scores whole blocks of slots without reductions.
            int blk = Attention.blockLength();
            for (int h = 0; h < c.kvHeads(); h++) {
                st.keysT[h] = Attention.transposeKeys(heads[h], bases[h] + batch, st.keysT[h], st.keyTmp);
            }
            if (record) recorder.prepare(par.threads());
            final int padded = (scratch + blk - 1) / blk * blk;
            if (TiledPrefillAttention.applies(heads[0])) {
                // tiles of TOKENS tokens × the g heads of one KV head share every key and value load
                int kvHeads = c.kvHeads(), tiles = (batch + TiledPrefillAttention.TOKENS - 1) / TiledPrefillAttention.TOKENS * kvHeads;
                par.forParts(tiles, 1, (part, from, to) -> {
                    float[][] rows = st.tileRows(TiledPrefillAttention.TOKENS * g + 1, Math.max(padded, TiledPrefillAttention.mixScratch()));
                    TiledPrefillAttention.RowSink sink = record ? (b, h, p, n) -> recorder.record(layer, h, queryBase + b, p, n, part) : null;
                    for (int t = from; t < to; t++) {
                        int kvh = t % kvHeads, b0 = t / kvHeads * TiledPrefillAttention.TOKENS;
                        TiledPrefillAttention.tile(heads[kvh], st.keysT[kvh], bases[kvh], b0, Math.min(batch, b0 + TiledPrefillAttention.TOKENS),
                                kvh * g, g, st.q, qDim, attnScale, rows, rows[rows.length - 1], st.att, sink);
                    }
                });
                if (record) recorder.flush(layer, scratch);
                return;
            }
            par.forParts(batch * nh, 1, (part, from, to) -> {
                float[] p = st.probsScratch(padded);
                for (int item = from; item < to; item++) {
                    int b = item / nh, h = item % nh, kvh = h / g;
                    int n = bases[kvh] + b + 1;
                    Attention.attendTransposed(heads[kvh], st.keysT[kvh], n, st.q, b * qDim + h * hd, attnScale, p, st.att,
                            b * qDim + h * hd);
                    if (record) recorder.record(layer, h, queryBase + b, p, n, part);
                }
            });
            if (record) recorder.flush(layer, scratch);
        } else {
            // one new token: grouped by KV head, in chunks of slots; decode-time presses also get
            // each query head's attention row
            int[] n = st.slotCounts;
            for (int h = 0; h < c.kvHeads(); h++) n[h] = bases[h] + 1;
            float[][] rows = null;
            if (st.recordLastRows) {
                rows = st.rowRefs;
                for (int h = 0; h < nh; h++) rows[h] = st.lastRowBuffer(c.layers(), nh, layer, h, n[h / g]);
            }
            GroupedDecodeAttention.attend(heads, n, g, st.q, attnScale, st.att, st, par, rows);
        }
    }

    /** out[b*w.rows() + r] = W x_b, rows split across threads. */
    private static void matmul(Parallel par, WeightMatrix m, float[] x, int batch, float[] out, int outStride) {
        if (batch == 1) {
            par.forRange(m.rows(), 16, (from, to) -> m.matvec(x, 0, out, from, from, to));
        } else {
            par.forRange(m.rows(), 16, (from, to) -> m.matmul(x, batch, out, outStride, from, to));
        }
    }

    /** Two products of the same input in one parallel region (gate and up). */
    private static void matmul2(Parallel par, float[] x, int batch, WeightMatrix a, float[] outA, WeightMatrix b, float[] outB) {
        int ra = a.rows(), total = ra + b.rows();
        par.forRange(total, 16, (from, to) -> {
            if (from < ra) run(a, x, batch, outA, from, Math.min(to, ra));
            if (to > ra) run(b, x, batch, outB, Math.max(from, ra) - ra, to - ra);
        });
    }

    /** Three products of the same input in one parallel region (Q, K, V). */
    private static void matmul3(Parallel par, float[] x, int batch, WeightMatrix a, float[] outA, WeightMatrix b, float[] outB,
                                WeightMatrix cm, float[] outC) {
        int ra = a.rows(), rb = b.rows(), total = ra + rb + cm.rows();
        par.forRange(total, 16, (from, to) -> {
            if (from < ra) run(a, x, batch, outA, from, Math.min(to, ra));
            int f = Math.max(from, ra), t = Math.min(to, ra + rb);
            if (f < t) run(b, x, batch, outB, f - ra, t - ra);
            f = Math.max(from, ra + rb);
            if (f < to) run(cm, x, batch, outC, f - ra - rb, to - ra - rb);
        });
    }

    private static void run(WeightMatrix m, float[] x, int batch, float[] out, int from, int to) {
        if (batch == 1) m.matvec(x, 0, out, from, from, to);
        else m.matmul(x, batch, out, m.rows(), from, to);
    }
}
