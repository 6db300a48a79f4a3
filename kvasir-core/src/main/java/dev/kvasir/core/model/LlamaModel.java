package dev.kvasir.core.model;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.kv.SlidingWindowRing;
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
 *
 * <p>Gemma 3 ({@link ModelConfig#gemma()}) runs through the same path with its differences: the
 * embedding scaled by √dim, RMSNorms after attention and after the MLP, a GELU-tanh gated MLP,
 * its own query scale, and sliding-window (local) layers with their own RoPE base, whose heads
 * keep only their window ({@link SlidingWindowRing}).
 */
public final class LlamaModel {
    private final ModelConfig c;
    private final ModelWeights w;
    private final Rope rope;
    /** RoPE of the sliding-window layers (their own base), null when the model has none. */
    private final Rope localRope;
    private final float attnScale;

    public LlamaModel(ModelConfig config, ModelWeights weights) {
        this.c = config;
        this.w = weights;
        this.rope = new Rope(config, weights.ropeFrequencyFactors());
        this.localRope = config.sliding() == null ? null
                : new Rope(config, weights.ropeFrequencyFactors(), config.sliding().localRopeTheta());
        this.attnScale = config.gemma() != null ? config.gemma().attentionScale() : (float) (1.0 / Math.sqrt(config.headDim()));
    }

    public ModelConfig config() { return c; }

    public ModelWeights weights() { return w; }

    public KvCache newCache(KvPrecision precision, int initialCapacity) {
        return newCache(precision, precision, initialCapacity);
    }

    /** A cache with keys and values at their own precisions (the sliding-window layers' too, when the model has them). */
    public KvCache newCache(KvPrecision keys, KvPrecision values, int initialCapacity) {
        if (c.sliding() == null) return new KvCache(c.layers(), c.kvHeads(), c.headDim(), keys, values, initialCapacity);
        boolean[] local = new boolean[c.layers()];
        for (int l = 0; l < local.length; l++) local[l] = c.isLocal(l);
        return new KvCache(c.layers(), c.kvHeads(), c.headDim(), keys, values, initialCapacity, c.sliding().window(), local);
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
            if (c.gemma() != null) Ops.scale(st.x, b * dim, c.gemma().embeddingScale(), dim);
        }
        rope.tables(pos0, batch, st.ropeCos, st.ropeSin);
        if (localRope != null) localRope.tables(pos0, batch, st.localRopeCos, st.localRopeSin);
        final int window = c.sliding() == null ? 0 : c.sliding().window();

        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers()[l];
            boolean local = c.isLocal(l);
            float[] cos = local ? st.localRopeCos : st.ropeCos, sin = local ? st.localRopeSin : st.ropeSin;
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
                (local ? localRope : rope).apply(st.q, b * qDim, c.heads(), cos, sin, b);
                (local ? localRope : rope).apply(st.k, b * kvDim, c.kvHeads(), cos, sin, b);
            }
            HeadCache[] heads = cache.layer(l);
            // Heads of a layer may hold different numbers of slots (head-adaptive budgets, per-head
            // merging): each head's new tokens start after its own slots.
            int[] bases = st.bases;
            if (local) {
                if (cache.window() != window) throw new IllegalArgumentException("the cache's sliding window (" + cache.window()
                        + ") is not the model's (" + window + "): make caches with newCache");
                for (int h = 0; h < c.kvHeads(); h++) {
                    SlidingWindowRing.beforeChunk(heads[h], window, pos0, batch);
                    bases[h] = heads[h].size();
                    if (batch == 1) {
                        SlidingWindowRing.put(heads[h], window, st.k, h * hd, st.v, h * hd, pos0);
                    } else {
                        for (int b = 0; b < batch; b++) heads[h].append(st.k, b * kvDim + h * hd, st.v, b * kvDim + h * hd, pos0 + b);
                    }
                }
                localAttention(heads, bases, batch, window, st, par);
                for (int h = 0; h < c.kvHeads(); h++) SlidingWindowRing.afterChunk(heads[h], window);
            } else {
                for (int h = 0; h < c.kvHeads(); h++) {
                    bases[h] = heads[h].size();
                    heads[h].ensureRoom(batch);
                    for (int b = 0; b < batch; b++) heads[h].append(st.k, b * kvDim + h * hd, st.v, b * kvDim + h * hd, pos0 + b);
                }
                attention(l, heads, bases, batch, queryBase, st, par, recorder);
            }
            matmul(par, lw.wo(), st.att, batch, st.xb2, dim);
            if (lw.postAttnNorm() != null) {
                for (int b = 0; b < batch; b++) Ops.rmsnorm(st.xb2, b * dim, st.xb2, b * dim, lw.postAttnNorm(), dim, c.rmsNormEps());
            }
            for (int b = 0; b < batch; b++) Ops.add(st.x, b * dim, st.xb2, b * dim, dim);

            for (int b = 0; b < batch; b++) Ops.rmsnorm(st.xb, b * dim, st.x, b * dim, lw.ffnNorm(), dim, c.rmsNormEps());
            matmul2(par, st.xb, batch, lw.wGate(), st.hb, lw.wUp(), st.hb2);
            if (c.gemma() != null) Ops.geglu(st.hb, st.hb2, batch * hidden);
            else Ops.swiglu(st.hb, st.hb2, batch * hidden);
            matmul(par, lw.wDown(), st.hb, batch, st.xb2, dim);
            if (lw.postFfnNorm() != null) {
                for (int b = 0; b < batch; b++) Ops.rmsnorm(st.xb2, b * dim, st.xb2, b * dim, lw.postFfnNorm(), dim, c.rmsNormEps());
            }
            for (int b = 0; b < batch; b++) Ops.add(st.x, b * dim, st.xb2, b * dim, dim);
        }
        cache.advance(batch);
        final float softcap = c.gemma() == null ? 0f : c.gemma().finalLogitSoftcap();

        if (!computeLogits) return;
        if (allLogits) {
            int vocab = c.vocabularySize();
            if (st.allLogits == null || st.allLogits.length < batch * vocab) st.allLogits = new float[st.maxBatch * vocab];
            for (int b = 0; b < batch; b++) Ops.rmsnorm(st.xb, b * dim, st.x, b * dim, w.outputNorm(), dim, c.rmsNormEps());
            matmul(par, w.output(), st.xb, batch, st.allLogits, vocab);
            if (softcap > 0) Ops.softcap(st.allLogits, softcap, batch * vocab);
            System.arraycopy(st.allLogits, (batch - 1) * vocab, st.logits, 0, vocab);
        } else {
            int lastOff = (batch - 1) * dim;
            Ops.rmsnorm(st.xb, 0, st.x, lastOff, w.outputNorm(), dim, c.rmsNormEps());
            WeightMatrix out = w.output();
            par.forRange(out.rows(), 64, (from, to) -> out.matvec(st.xb, 0, st.logits, from, from, to));
            if (softcap > 0) Ops.softcap(st.logits, softcap, out.rows());
        }
    }

    /**
     * Attention of a sliding-window layer. The head holds, in position order, the window before
     * the chunk and the chunk itself (prefill; token b sees slots [bases+b+1−window, bases+b]),
     * or a full ring in any order whose every slot is in the new token's window (decode). No
     * statistics are recorded: presses do not touch local layers.
     */
    private void localAttention(HeadCache[] heads, int[] bases, int batch, int window, InferenceState st, Parallel par) {
        final int qDim = c.qDim(), hd = c.headDim(), g = c.groupSize(), nh = c.heads();
        if (batch == 1) {
            int[] n = st.slotCounts;
            for (int h = 0; h < c.kvHeads(); h++) n[h] = heads[h].size();
            // no rows for decode-time presses: they act on the global layers only
            GroupedDecodeAttention.attend(heads, n, g, st.q, attnScale, st.att, st, par, null);
            return;
        }
        int blk = Attention.blockLength();
        int maxSlots = 0;
        for (int h = 0; h < c.kvHeads(); h++) maxSlots = Math.max(maxSlots, bases[h] + batch);
        final int padded = (maxSlots + blk - 1) / blk * blk;
        if (Attention.readsInPlace(heads[0])) {
            // a KIVI ring: each query scores its window on the integer codes, nothing dequantised
            par.forParts(batch * nh, 1, (part, from, to) -> {
                float[] p = st.probsScratch(padded);
                for (int item = from; item < to; item++) {
                    int b = item / nh, h = item % nh, kvh = h / g, n = bases[kvh] + b + 1;
                    Attention.attendInPlace(heads[kvh], Math.max(0, n - window), n, st.q, b * qDim + h * hd, attnScale, p, st.att,
                            b * qDim + h * hd);
                }
            });
            return;
        }
        for (int h = 0; h < c.kvHeads(); h++) st.keysT[h] = Attention.transposeKeys(heads[h], bases[h] + batch, st.keysT[h], st.keyTmp);
        par.forParts(batch * nh, 1, (part, from, to) -> {
            float[] p = st.probsScratch(padded);
            for (int item = from; item < to; item++) {
                int b = item / nh, h = item % nh, kvh = h / g;
                int n = bases[kvh] + b + 1;
                Attention.attendTransposedWindow(heads[kvh], st.keysT[kvh], n - window, n, st.q, b * qDim + h * hd, attnScale, p,
                        st.att, b * qDim + h * hd);
            }
        });
    }

    /**
     * The smallest batch the weight products of {@link #decodeBatch} run with: below it the
     * matrices fall back to a per-token matvec whose sums are ordered differently (FloatGemm's
     * MIN_BATCH). Padding every step to it makes a sequence's arithmetic independent of how
     * many others share its steps, so a batched request produces the same text as alone.
     */
    public static final int MIN_GEMM_BATCH = 4;

    /**
     * True when {@link #decodeBatch} covers this model: Llama-style blocks. Gemma 3 (post-norms,
     * GELU, sliding-window rings) is stepped one sequence at a time.
     */
    public boolean batchesDecode() {
        return c.gemma() == null;
    }

    /**
     * One decode step of {@code count} sequences: sequence b feeds {@code tokens[b]} at the next
     * position of {@code caches[b]}. The weight matrices are read once for the whole batch (the
     * prefill GEMM); attention runs per sequence over its own cache, whatever its length per
     * head or its compression. Leaves sequence b's logits at {@code st.logits()[b * vocab ..]}.
     * Decode-time presses (which need the attention rows) are not supported here: run those
     * sequences through {@link #forward}.
     */
    public void decodeBatch(int[] tokens, KvCache[] caches, int count, BatchDecodeState st, Parallel par) {
        if (!batchesDecode()) {
            throw new UnsupportedOperationException(c.architecture() + ": the batched decode step covers Llama-style blocks only; "
                    + "step each sequence with forward");
        }
        if (count < 1 || count > st.maxSequences) {
            throw new IllegalArgumentException("batch of " + count + " sequences, the state holds 1.." + st.maxSequences);
        }
        final int dim = c.dim(), qDim = c.qDim(), kvDim = c.kvDim(), hd = c.headDim(), hidden = c.hiddenDim(), g = c.groupSize();
        final int padded = Math.max(count, MIN_GEMM_BATCH);
        InferenceState s = st.rows;
        for (int b = 0; b < count; b++) {
            int t = tokens[b];
            if (t < 0 || t >= c.vocabularySize()) {
                throw new IllegalArgumentException("token id " + t + " outside the vocabulary [0, " + c.vocabularySize() + ")");
            }
            if (caches[b].nextPosition() + 1 > Integer.MAX_VALUE / 2) throw new IllegalStateException("position overflow");
            w.tokenEmbedding().dequantizeRow(t, s.x, b * dim);
            st.positions[b] = caches[b].nextPosition();
            rope.tableRow(st.positions[b], b, s.ropeCos, s.ropeSin);
        }
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers()[l];
            for (int b = 0; b < count; b++) Ops.rmsnorm(s.xb, b * dim, s.x, b * dim, lw.attnNorm(), dim, c.rmsNormEps());
            // rows count..padded-1 hold stale finite values: computed, never read
            matmul3(par, s.xb, padded, lw.wq(), s.q, lw.wk(), s.k, lw.wv(), s.v);
            for (int b = 0; b < count; b++) {
                if (lw.bq() != null) {
                    Ops.add(s.q, b * qDim, lw.bq(), 0, qDim);
                    Ops.add(s.k, b * kvDim, lw.bk(), 0, kvDim);
                    Ops.add(s.v, b * kvDim, lw.bv(), 0, kvDim);
                }
                if (lw.qNorm() != null) {
                    for (int h = 0; h < c.heads(); h++) Ops.rmsnorm(s.q, b * qDim + h * hd, s.q, b * qDim + h * hd, lw.qNorm(), hd, c.rmsNormEps());
                    for (int h = 0; h < c.kvHeads(); h++) Ops.rmsnorm(s.k, b * kvDim + h * hd, s.k, b * kvDim + h * hd, lw.kNorm(), hd, c.rmsNormEps());
                }
                rope.apply(s.q, b * qDim, c.heads(), s.ropeCos, s.ropeSin, b);
                rope.apply(s.k, b * kvDim, c.kvHeads(), s.ropeCos, s.ropeSin, b);
                HeadCache[] heads = caches[b].layer(l);
                for (int h = 0; h < c.kvHeads(); h++) heads[h].append(s.k, b * kvDim + h * hd, s.v, b * kvDim + h * hd, st.positions[b]);
            }
            final int layer = l;
            if (count == 1) {
                batchAttention(caches[0].layer(layer), 0, g, s.q, s.att, st.attentionScratch[0], par);
            } else {
                // sequences in parallel, each on one thread: the same arithmetic as a lone sequence
                par.forParts(count, 1, (part, from, to) -> {
                    for (int b = from; b < to; b++) batchAttention(caches[b].layer(layer), b * qDim, g, s.q, s.att, st.attentionScratch[part], null);
                });
            }
            matmul(par, lw.wo(), s.att, padded, s.xb2, dim);
            for (int b = 0; b < count; b++) Ops.add(s.x, b * dim, s.xb2, b * dim, dim);
            for (int b = 0; b < count; b++) Ops.rmsnorm(s.xb, b * dim, s.x, b * dim, lw.ffnNorm(), dim, c.rmsNormEps());
            matmul2(par, s.xb, padded, lw.wGate(), s.hb, lw.wUp(), s.hb2);
            for (int b = 0; b < count; b++) Ops.swiglu(s.hb, s.hb2, b * hidden, hidden); // row by row: see Ops.swiglu
            matmul(par, lw.wDown(), s.hb, padded, s.xb2, dim);
            for (int b = 0; b < count; b++) Ops.add(s.x, b * dim, s.xb2, b * dim, dim);
        }
        for (int b = 0; b < count; b++) caches[b].advance(1);
        for (int b = 0; b < count; b++) Ops.rmsnorm(s.xb, b * dim, s.x, b * dim, w.outputNorm(), dim, c.rmsNormEps());
        matmul(par, w.output(), s.xb, padded, st.logits, c.vocabularySize());
    }

    /** Decode attention of the query at {@code q[base ..]} over every slot of its cache's heads. */
    private void batchAttention(HeadCache[] heads, int base, int g, float[] q, float[] att, InferenceState scratch, Parallel par) {
        int[] n = scratch.slotCounts;
        for (int h = 0; h < heads.length; h++) n[h] = heads[h].size();
        GroupedDecodeAttention.attend(heads, n, g, q, base, attnScale, att, base, scratch, par, null);
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
            int blk = Attention.blockLength();
            final int padded = (scratch + blk - 1) / blk * blk;
            if (record) recorder.prepare(par.threads());
            if (Attention.readsInPlace(heads[0])) {
                // A KIVI cache (a question or a later turn after the prompt was quantised): every
                // (token, query head) pair scores the integer codes and mixes them through the
                // stores' kernels, so the cache is never expanded back to floats.
                par.forParts(batch * nh, 1, (part, from, to) -> {
                    float[] p = st.probsScratch(padded);
                    for (int item = from; item < to; item++) {
                        int b = item / nh, h = item % nh, kvh = h / g, n = bases[kvh] + b + 1;
                        Attention.attendInPlace(heads[kvh], 0, n, st.q, b * qDim + h * hd, attnScale, p, st.att, b * qDim + h * hd);
                        if (record) recorder.record(layer, h, queryBase + b, p, n, part);
                    }
                });
                if (record) recorder.flush(layer, scratch);
                return;
            }
            // Prefill: transpose each KV head's keys once for the whole chunk, then every
            // (token, query head) pair scores whole blocks of slots without reductions.
            for (int h = 0; h < c.kvHeads(); h++) {
                st.keysT[h] = Attention.transposeKeys(heads[h], bases[h] + batch, st.keysT[h], st.keyTmp);
            }
            if (TiledPrefillAttention.applies(heads[0])) {
                // tiles of TOKENS tokens × the g heads of one KV head share every key and value load
                int kvHeads = c.kvHeads(), tiles = (batch + TiledPrefillAttention.TOKENS - 1) / TiledPrefillAttention.TOKENS * kvHeads;
                par.forParts(tiles, 1, (part, from, to) -> {
                    float[][] rows = st.tileRows(TiledPrefillAttention.TOKENS * g + 1, Math.max(padded, TiledPrefillAttention.mixScratch(hd)));
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
