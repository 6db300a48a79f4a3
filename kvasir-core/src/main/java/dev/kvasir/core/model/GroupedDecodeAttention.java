package dev.kvasir.core.model;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.VectorStore;
import dev.kvasir.core.util.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Decode attention of one new token over the cache, grouped by KV head and split into chunks
 * of slots ("flash-decoding").
 *
 * <p>Why: at long contexts decode is bound by reading the cache. Query head by query head, the
 * keys and values of a KV head are streamed from memory once per query head of its group (3
 * times for SmolLM2); here the g heads of a group score one chunk of {@link #CHUNK} slots
 * while it sits in L1, so each key and value comes from memory once. Chunks are also the unit
 * of parallel work, so both threads share even a single long head.
 *
 * <p>Each chunk c of a KV head yields, per query head, its logit maximum m_c, its sum
 * l_c = Σ_j exp(s_j − m_c) and the unnormalised mix o_c = Σ_j exp(s_j − m_c) v_j; the exact
 * softmax output is Σ_c e^{m_c−M} o_c / Σ_c e^{m_c−M} l_c with M = max_c m_c. Chunk bounds
 * depend only on the slot count, never on the thread count, so every --threads does the same
 * arithmetic. Merged slots add log(mass) to their logit as in {@link Attention}.
 */
final class GroupedDecodeAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** The head size of the three-head kernels: four vectors (64 floats with AVX-512, SmolLM2's head size). */
    private static final int HD4 = 4 * L;
    /** Slots per chunk: 128 keys of 64 floats are 32 KiB, within L1 while the group reuses them. */
    static final int CHUNK = 128;
    /** Below this many slots in a layer the whole layer runs on the calling thread: a hand-off costs more. */
    private static final int INLINE_SLOTS = 1024;

    private GroupedDecodeAttention() {}

    /**
     * Attention of the single query in {@code q} (all query heads) over slots [0, n[kvh]) of each
     * KV head, into {@code out} (query-head-major, like q). With {@code rows} non-null, also
     * leaves each query head's normalised attention row in {@code rows[h][0..n)} (for presses
     * that compress while decoding).
     */
    static void attend(HeadCache[] heads, int[] n, int groupSize, float[] q, float scale, float[] out, InferenceState st,
                       Parallel par, float[][] rows) {
        attend(heads, n, groupSize, q, 0, scale, out, 0, st, par, rows);
    }

    /**
     * As above for the query at {@code q[qBase ..]}, written to {@code out[outBase ..]} (one row of a
     * batch of sequences); with {@code par} null everything runs on the calling thread. The
     * arithmetic is the same either way: chunk bounds depend only on the slot counts.
     */
    static void attend(HeadCache[] heads, int[] n, int groupSize, float[] q, int qBase, float scale, float[] out, int outBase,
                       InferenceState st, Parallel par, float[][] rows) {
        int kvHeads = heads.length, hd = heads[0].headDim();
        int[] firstUnit = st.decodeUnitStarts(kvHeads + 1);
        int slots = 0;
        for (int h = 0; h < kvHeads; h++) {
            firstUnit[h + 1] = firstUnit[h] + (n[h] + CHUNK - 1) / CHUNK;
            slots += n[h];
        }
        int units = firstUnit[kvHeads];
        int stride = groupSize * (hd + 2);
        float[] partials = st.decodePartials(units * stride);
        Parallel.RangeBody body = (from, to) -> {
            float[] p = st.probsScratch(groupSize * CHUNK);
            float[][] kv = st.chunkScratch(CHUNK * hd);
            int kvh = 0;
            for (int u = from; u < to; u++) {
                while (u >= firstUnit[kvh + 1]) kvh++;
                int slotFrom = (u - firstUnit[kvh]) * CHUNK;
                chunk(heads[kvh], slotFrom, Math.min(n[kvh], slotFrom + CHUNK), q, qBase + kvh * groupSize * hd, groupSize, scale, p,
                        kv, partials, u * stride);
                if (rows != null) { // the chunk's exp(s - m_c), rescaled by combine
                    int len = Math.min(n[kvh], slotFrom + CHUNK) - slotFrom;
                    for (int g = 0; g < groupSize; g++) System.arraycopy(p, g * CHUNK, rows[kvh * groupSize + g], slotFrom, len);
                }
            }
        };
        if (par == null || slots < INLINE_SLOTS) body.run(0, units);
        else par.forRange(units, body);
        for (int kvh = 0; kvh < kvHeads; kvh++) {
            for (int g = 0; g < groupSize; g++) {
                combine(partials, firstUnit[kvh], firstUnit[kvh + 1], stride, g * (hd + 2), hd, out, outBase + (kvh * groupSize + g) * hd,
                        rows == null ? null : rows[kvh * groupSize + g], n[kvh]);
            }
        }
    }

    /**
     * One chunk [from, to) of one KV head for its g query heads (q at {@code qOff}, head after
     * head): writes per head {m, l, o[hd]} at {@code partials[pOff + g*(hd+2)]}. F32 keys and
     * values are read in place; F16/BF16 ones are first converted into {@code kv} (two float
     * buffers of CHUNK*hd), once for the whole group; Q8/Q4/KIVI ones are read by the store's own
     * kernels on their integer blocks ({@link VectorStore#scores}, {@link VectorStore#mix}). With heads of four vectors (64 floats with
     * AVX-512) the kernels take the heads three at a time, so that each key and value vector
     * loaded serves three heads.
     */
    private static void chunk(HeadCache head, int from, int to, float[] q, int qOff, int groupSize, float scale, float[] p,
                              float[][] kv, float[] partials, int pOff) {
        int hd = head.headDim(), len = to - from, stride = hd + 2;
        VectorStore keys = head.keys(), values = head.values();
        // quantised stores score and mix on their integer blocks through their own kernels, head by head
        boolean quantisedKeys = keys.integerKernels(), quantisedValues = values.integerKernels();
        float[] k = null, v = null;
        int kBase = 0, vBase = 0;
        if (keys instanceof VectorStore.F32 k32) {
            k = k32.array();
            kBase = from;
        } else if (!quantisedKeys) {
            k = kv[0];
            keys.getRange(from, len, k, 0);
        }
        if (values instanceof VectorStore.F32 v32) {
            v = v32.array();
            vBase = from;
        } else if (!quantisedValues) {
            v = kv[1];
            values.getRange(from, len, v, 0);
        }
        int g = 0;
        if (quantisedKeys) {
            for (; g < groupSize; g++) keys.scores(from, len, q, qOff + g * hd, scale, p, g * CHUNK);
        } else {
            if (hd == HD4) for (; g + 3 <= groupSize; g += 3) scores3(k, kBase, len, q, qOff + g * hd, scale, p, g * CHUNK);
            for (; g < groupSize; g++) Attention.scoresF32(k, hd, kBase, len, q, qOff + g * hd, scale, p, g * CHUNK);
        }
        float[] mass = head.massOrNull();
        for (g = 0; g < groupSize; g++) {
            int po = g * CHUNK;
            if (mass != null) {
                for (int j = 0; j < len; j++) p[po + j] += (float) Math.log(mass[from + j]);
            }
            float max = maxOf(p, po, len);
            int o = pOff + g * stride;
            partials[o] = max;
            partials[o + 1] = expInPlace(p, po, len, max);
        }
        g = 0;
        if (quantisedValues) {
            for (; g < groupSize; g++) values.mix(from, len, p, g * CHUNK, partials, pOff + g * stride + 2);
            return;
        }
        if (hd == HD4) for (; g + 3 <= groupSize; g += 3) mix3(v, vBase, len, p, g * CHUNK, partials, pOff + g * stride + 2, stride);
        for (; g < groupSize; g++) {
            int o = pOff + g * stride + 2;
            if (hd % L == 0) {
                Attention.weightedSumF32(v, hd, vBase, len, p, g * CHUNK, partials, o);
            } else {
                java.util.Arrays.fill(partials, o, o + hd, 0f);
                for (int j = 0; j < len; j++) {
                    float w = p[g * CHUNK + j];
                    for (int d = 0; d < hd; d++) partials[o + d] += w * v[(vBase + j) * hd + d];
                }
            }
        }
    }

    /** {@link Attention#scoresF32} for three heads (q at qOff + {0, 1, 2}·HD4, scores at po + {0, 1, 2}·CHUNK): each key loaded once. */
    private static void scores3(float[] k, int from, int len, float[] q, int qOff, float scale, float[] p, int po) {
        FloatVector a0 = FloatVector.fromArray(S, q, qOff), a1 = FloatVector.fromArray(S, q, qOff + L),
                a2 = FloatVector.fromArray(S, q, qOff + 2 * L), a3 = FloatVector.fromArray(S, q, qOff + 3 * L);
        FloatVector b0 = FloatVector.fromArray(S, q, qOff + HD4), b1 = FloatVector.fromArray(S, q, qOff + HD4 + L),
                b2 = FloatVector.fromArray(S, q, qOff + HD4 + 2 * L), b3 = FloatVector.fromArray(S, q, qOff + HD4 + 3 * L);
        FloatVector c0 = FloatVector.fromArray(S, q, qOff + 2 * HD4), c1 = FloatVector.fromArray(S, q, qOff + 2 * HD4 + L),
                c2 = FloatVector.fromArray(S, q, qOff + 2 * HD4 + 2 * L), c3 = FloatVector.fromArray(S, q, qOff + 2 * HD4 + 3 * L);
        for (int j = 0; j < len; j++) {
            int b = (from + j) * HD4;
            FloatVector k0 = FloatVector.fromArray(S, k, b), k1 = FloatVector.fromArray(S, k, b + L),
                    k2 = FloatVector.fromArray(S, k, b + 2 * L), k3 = FloatVector.fromArray(S, k, b + 3 * L);
            p[po + j] = k0.mul(a0).add(k1.mul(a1)).add(k2.mul(a2)).add(k3.mul(a3)).reduceLanes(VectorOperators.ADD) * scale;
            p[po + CHUNK + j] = k0.mul(b0).add(k1.mul(b1)).add(k2.mul(b2)).add(k3.mul(b3)).reduceLanes(VectorOperators.ADD) * scale;
            p[po + 2 * CHUNK + j] = k0.mul(c0).add(k1.mul(c1)).add(k2.mul(c2)).add(k3.mul(c3)).reduceLanes(VectorOperators.ADD) * scale;
        }
    }

    /**
     * max(p[po..po+len)), vectorised: the scalar {@code Math.max} chain it replaces took a sixth
     * of the attention time with the cache in L3 (its NaN handling makes each step several
     * dependent instructions).
     */
    static float maxOf(float[] p, int po, int len) {
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (int bound = S.loopBound(len); j < bound; j += L) vmax = vmax.max(FloatVector.fromArray(S, p, po + j));
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; j < len; j++) max = Math.max(max, p[po + j]);
        return max;
    }

    /** {@code p = exp(p - max)} over [po, po+len), returning the sum. */
    private static float expInPlace(float[] p, int po, int len, float max) {
        FloatVector vm = FloatVector.broadcast(S, max), vsum = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(len); j < bound; j += L) {
            FloatVector e = VectorExp.exp(FloatVector.fromArray(S, p, po + j).sub(vm));
            e.intoArray(p, po + j);
            vsum = vsum.add(e);
        }
        float sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; j < len; j++) {
            float e = (float) Math.exp(p[po + j] - max);
            p[po + j] = e;
            sum += e;
        }
        return sum;
    }

    /**
     * {@link Attention#weightedSumF32} for three heads (weights at po + {0, 1, 2}·CHUNK, outputs at oOff + {0, 1, 2}·oStride):
     * each value loaded once feeds twelve independent FMA chains.
     */
    private static void mix3(float[] v, int from, int len, float[] p, int po, float[] out, int oOff, int oStride) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        for (int j = 0; j < len; j++) {
            int b = (from + j) * HD4;
            FloatVector v0 = FloatVector.fromArray(S, v, b), v1 = FloatVector.fromArray(S, v, b + L),
                    v2 = FloatVector.fromArray(S, v, b + 2 * L), v3 = FloatVector.fromArray(S, v, b + 3 * L);
            FloatVector pa = FloatVector.broadcast(S, p[po + j]), pb = FloatVector.broadcast(S, p[po + CHUNK + j]),
                    pc = FloatVector.broadcast(S, p[po + 2 * CHUNK + j]);
            a0 = v0.fma(pa, a0);
            a1 = v1.fma(pa, a1);
            a2 = v2.fma(pa, a2);
            a3 = v3.fma(pa, a3);
            b0 = v0.fma(pb, b0);
            b1 = v1.fma(pb, b1);
            b2 = v2.fma(pb, b2);
            b3 = v3.fma(pb, b3);
            c0 = v0.fma(pc, c0);
            c1 = v1.fma(pc, c1);
            c2 = v2.fma(pc, c2);
            c3 = v3.fma(pc, c3);
        }
        a0.intoArray(out, oOff);
        a1.intoArray(out, oOff + L);
        a2.intoArray(out, oOff + 2 * L);
        a3.intoArray(out, oOff + 3 * L);
        b0.intoArray(out, oOff + oStride);
        b1.intoArray(out, oOff + oStride + L);
        b2.intoArray(out, oOff + oStride + 2 * L);
        b3.intoArray(out, oOff + oStride + 3 * L);
        c0.intoArray(out, oOff + 2 * oStride);
        c1.intoArray(out, oOff + 2 * oStride + L);
        c2.intoArray(out, oOff + 2 * oStride + 2 * L);
        c3.intoArray(out, oOff + 2 * oStride + 3 * L);
    }

    /**
     * Merges the chunks [uFrom, uTo) of one query head (entries at {@code u*stride + at}) into
     * {@code out[outOff..+hd)}; a non-null {@code row} of n chunk-local exponentials becomes the
     * softmax row.
     */
    private static void combine(float[] partials, int uFrom, int uTo, int stride, int at, int hd, float[] out, int outOff,
                                float[] row, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int u = uFrom; u < uTo; u++) max = Math.max(max, partials[u * stride + at]);
        float total = 0f;
        java.util.Arrays.fill(out, outOff, outOff + hd, 0f);
        int bound = S.loopBound(hd);
        for (int u = uFrom; u < uTo; u++) {
            int o = u * stride + at;
            float w = (float) Math.exp(partials[o] - max);
            total += w * partials[o + 1];
            FloatVector vw = FloatVector.broadcast(S, w);
            int d = 0;
            for (; d < bound; d += L) {
                FloatVector.fromArray(S, partials, o + 2 + d).fma(vw, FloatVector.fromArray(S, out, outOff + d)).intoArray(out, outOff + d);
            }
            for (; d < hd; d++) out[outOff + d] += w * partials[o + 2 + d];
        }
        float inv = 1f / total;
        for (int d = 0; d < hd; d++) out[outOff + d] *= inv;
        if (row != null) {
            for (int u = uFrom; u < uTo; u++) {
                float f = (float) Math.exp(partials[u * stride + at] - max) * inv;
                int from = (u - uFrom) * CHUNK, to = Math.min(n, from + CHUNK);
                for (int j = from; j < to; j++) row[j] *= f;
            }
        }
    }
}
