package dev.kvasir.core.model;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.VectorStore;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prefill attention for a tile of queries that share a KV head: {@link #TOKENS} consecutive
 * tokens of the chunk × the g query heads of the group.
 *
 * <p>Why: query by query ({@link Attention#attendTransposed}), each (token, head) streams the
 * whole transposed key array and the whole value array of its KV head, 2 × 1 MB at a depth of
 * 4k, from L2/L3, and prefill at depth is bound by that traffic. Here every block of keys and
 * every chunk of values is loaded once for the tile's 8·g queries while it sits in L1. The
 * arithmetic is the same as per query: scores of whole key blocks, softmax of each query's row
 * (left in its row, as the recorder wants it), then the values mixed chunk by chunk into the
 * query's output.
 *
 * <p>Inside L1 the kernels are register-blocked so that they are bound by FMAs rather than
 * loads: scores take two key blocks × four queries per pass (eight accumulators; six loads per
 * eight FMAs instead of two per FMA), values mix one slot into two queries' outputs at a time
 * (four value vectors feed eight FMAs). Any head of whole vectors takes this path (64 floats are
 * four vectors with AVX-512, eight with AVX2, sixteen with 128-bit vectors); F16/BF16 values are
 * converted a chunk at a time. Other head sizes take the per-query path.
 */
final class TiledPrefillAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Tokens per tile: with SmolLM2's 3 heads per KV head 24 queries share each load, with Qwen2.5-0.5B's 7, 56
     * (8 measured 10-15 % faster than 4 for 3 heads per KV head with AVX2, equal for 7). */
    static final int TOKENS = 8;
    /** Value slots per mixing pass: 64 values of 64 floats are 16 KiB, in L1 for the whole tile. */
    private static final int VALUE_CHUNK = 64;

    private TiledPrefillAttention() {}

    /** True when the tiled kernels apply to this head (a head of whole vectors, any storage). */
    static boolean applies(HeadCache head) {
        return head.headDim() % L == 0;
    }

    /** Floats per thread that {@link #tile} needs in {@code mix}: one chunk of converted values. */
    static int mixScratch(int headDim) {
        return VALUE_CHUNK * headDim;
    }

    /** Called with each query's normalised attention row (e.g. to record statistics). */
    interface RowSink {
        void row(int token, int queryHead, float[] p, int n);
    }

    /**
     * Attention of tokens [b0, b1) × query heads [h0, h0+g) over one KV head whose keys are
     * transposed in {@code kt} ({@link Attention#transposeKeys}); token b sees slots
     * [0, base + b]. Rows go to {@code rows[i]} (each at least the slot count rounded up to two
     * blocks), outputs to {@code out} at {@code b*qDim + h*hd}, like q; {@code mix} is scratch of
     * {@link #mixScratch} floats.
     */
    static void tile(HeadCache head, float[] kt, int base, int b0, int b1, int h0, int g, float[] q, int qDim, float scale,
                     float[][] rows, float[] mix, float[] out, RowSink sink) {
        int hd = head.headDim();
        int items = (b1 - b0) * g;
        int maxN = base + b1;
        int blocks = (maxN + L - 1) / L;
        // 1. scores: each pair of key blocks (2·L slots × hd dims, dimension-major) serves every
        // query of the tile, four queries at a time. A block partly or wholly in a query's future
        // is scored anyway (the row is long enough); softmax only reads the first n entries.
        int quads = items / 4 * 4;
        for (int kb = 0; kb < blocks; kb += 2) {
            int kBase = kb * hd * L;
            boolean pair = kb + 1 < blocks;
            for (int i = 0; i < quads; i += 4) {
                if (kb * L >= base + b0 + (i + 3) / g + 1) continue; // the whole pair is in all four's future
                int o0 = qOffset(b0, h0, g, i, qDim, hd), o1 = qOffset(b0, h0, g, i + 1, qDim, hd),
                        o2 = qOffset(b0, h0, g, i + 2, qDim, hd), o3 = qOffset(b0, h0, g, i + 3, qDim, hd);
                if (pair) {
                    scores2x4(kt, kBase, hd, q, o0, o1, o2, o3, scale, rows[i], rows[i + 1], rows[i + 2], rows[i + 3], kb * L);
                } else {
                    for (int k = 0; k < 4; k++) {
                        int b = b0 + (i + k) / g;
                        int o = qOffset(b0, h0, g, i + k, qDim, hd);
                        for (int kk = kb; kk < Math.min(blocks, kb + 2); kk++) {
                            if (kk * L < base + b + 1) Attention.blockScores(kt, kk * hd * L, hd, q, o, scale, rows[i + k], kk * L);
                        }
                    }
                }
            }
            for (int i = quads; i < items; i++) {
                int b = b0 + i / g, o = qOffset(b0, h0, g, i, qDim, hd);
                for (int kk = kb; kk < Math.min(blocks, kb + 2); kk++) {
                    if (kk * L < base + b + 1) Attention.blockScores(kt, kk * hd * L, hd, q, o, scale, rows[i], kk * L);
                }
            }
        }
        // 2. softmax of each row (merged slots weigh log(mass) more), then the row goes to the sink
        float[] mass = head.massOrNull();
        for (int i = 0; i < items; i++) {
            int b = b0 + i / g, n = base + b + 1;
            float[] p = rows[i];
            if (mass != null) {
                for (int j = 0; j < n; j++) p[j] += (float) Math.log(mass[j]);
            }
            Attention.softmax(p, n);
            if (sink != null) sink.row(b, h0 + i % g, p, n);
            int o = qOffset(b0, h0, g, i, qDim, hd);
            java.util.Arrays.fill(out, o, o + hd, 0f);
        }
        // 3. values: each chunk of value rows is mixed into every query of the tile that sees it,
        // two queries at a time (F16/BF16 chunks are converted once, into mix)
        VectorStore values = head.values();
        float[] v = values instanceof VectorStore.F32 f32 ? f32.array() : mix;
        for (int c = 0; c < maxN; c += VALUE_CHUNK) {
            int vFrom = c; // slot index in v of slot c
            if (v == mix) {
                values.getRange(c, Math.min(maxN, c + VALUE_CHUNK) - c, mix, 0);
                vFrom = 0;
            }
            for (int i = 0; i < items; i += 2) {
                int lenA = Math.min(base + b0 + i / g + 1, c + VALUE_CHUNK) - c;
                int oA = qOffset(b0, h0, g, i, qDim, hd);
                if (i + 1 == items) {
                    if (lenA > 0) mixOne(v, hd, vFrom, 0, lenA, rows[i], c, out, oA);
                    continue;
                }
                int lenB = Math.min(base + b0 + (i + 1) / g + 1, c + VALUE_CHUNK) - c;
                int oB = qOffset(b0, h0, g, i + 1, qDim, hd);
                int both = Math.max(0, Math.min(lenA, lenB));
                if (both > 0) mixTwo(v, hd, vFrom, both, rows[i], rows[i + 1], c, out, oA, oB);
                if (lenA > both) mixOne(v, hd, vFrom, both, lenA, rows[i], c, out, oA);
                if (lenB > both) mixOne(v, hd, vFrom, both, lenB, rows[i + 1], c, out, oB);
            }
        }
    }

    /** Offset in q (and out) of item i of a tile: token b0 + i/g, head h0 + i%g. */
    private static int qOffset(int b0, int h0, int g, int i, int qDim, int hd) {
        return (b0 + i / g) * qDim + (h0 + i % g) * hd;
    }

    /**
     * Scores of four queries for two consecutive blocks of L transposed keys ({@code kt[kBase..]}
     * and the next block), scaled, into {@code r0..r3[pOff .. pOff+2L)}.
     */
    private static void scores2x4(float[] kt, int kBase, int hd, float[] q, int o0, int o1, int o2, int o3, float scale,
                                  float[] r0, float[] r1, float[] r2, float[] r3, int pOff) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int kNext = kBase + hd * L;
        for (int d = 0; d < hd; d++) {
            FloatVector k0 = FloatVector.fromArray(S, kt, kBase + d * L);
            FloatVector k1 = FloatVector.fromArray(S, kt, kNext + d * L);
            FloatVector x = FloatVector.broadcast(S, q[o0 + d]);
            a0 = k0.fma(x, a0);
            a1 = k1.fma(x, a1);
            x = FloatVector.broadcast(S, q[o1 + d]);
            a2 = k0.fma(x, a2);
            a3 = k1.fma(x, a3);
            x = FloatVector.broadcast(S, q[o2 + d]);
            a4 = k0.fma(x, a4);
            a5 = k1.fma(x, a5);
            x = FloatVector.broadcast(S, q[o3 + d]);
            a6 = k0.fma(x, a6);
            a7 = k1.fma(x, a7);
        }
        a0.mul(scale).intoArray(r0, pOff);
        a1.mul(scale).intoArray(r0, pOff + L);
        a2.mul(scale).intoArray(r1, pOff);
        a3.mul(scale).intoArray(r1, pOff + L);
        a4.mul(scale).intoArray(r2, pOff);
        a5.mul(scale).intoArray(r2, pOff + L);
        a6.mul(scale).intoArray(r3, pOff);
        a7.mul(scale).intoArray(r3, pOff + L);
    }

    /**
     * {@code outA += Σ_j pA[pOff+j] v_{vFrom+j}} and the same for B, for j in [0, n): each value
     * vector loaded once feeds both queries; four vectors of the head per pass (eight accumulators).
     */
    private static void mixTwo(float[] v, int hd, int vFrom, int n, float[] pA, float[] pB, int pOff, float[] out, int oA, int oB) {
        int d = 0;
        for (; d + 4 * L <= hd; d += 4 * L) {
            FloatVector a0 = FloatVector.fromArray(S, out, oA + d), a1 = FloatVector.fromArray(S, out, oA + d + L),
                    a2 = FloatVector.fromArray(S, out, oA + d + 2 * L), a3 = FloatVector.fromArray(S, out, oA + d + 3 * L);
            FloatVector b0 = FloatVector.fromArray(S, out, oB + d), b1 = FloatVector.fromArray(S, out, oB + d + L),
                    b2 = FloatVector.fromArray(S, out, oB + d + 2 * L), b3 = FloatVector.fromArray(S, out, oB + d + 3 * L);
            for (int j = 0; j < n; j++) {
                int s = (vFrom + j) * hd + d;
                FloatVector x = FloatVector.broadcast(S, pA[pOff + j]), y = FloatVector.broadcast(S, pB[pOff + j]);
                FloatVector v0 = FloatVector.fromArray(S, v, s), v1 = FloatVector.fromArray(S, v, s + L);
                a0 = v0.fma(x, a0);
                b0 = v0.fma(y, b0);
                a1 = v1.fma(x, a1);
                b1 = v1.fma(y, b1);
                FloatVector v2 = FloatVector.fromArray(S, v, s + 2 * L), v3 = FloatVector.fromArray(S, v, s + 3 * L);
                a2 = v2.fma(x, a2);
                b2 = v2.fma(y, b2);
                a3 = v3.fma(x, a3);
                b3 = v3.fma(y, b3);
            }
            a0.intoArray(out, oA + d);
            a1.intoArray(out, oA + d + L);
            a2.intoArray(out, oA + d + 2 * L);
            a3.intoArray(out, oA + d + 3 * L);
            b0.intoArray(out, oB + d);
            b1.intoArray(out, oB + d + L);
            b2.intoArray(out, oB + d + 2 * L);
            b3.intoArray(out, oB + d + 3 * L);
        }
        for (; d < hd; d += L) {
            FloatVector a = FloatVector.fromArray(S, out, oA + d), b = FloatVector.fromArray(S, out, oB + d);
            for (int j = 0; j < n; j++) {
                FloatVector vj = FloatVector.fromArray(S, v, (vFrom + j) * hd + d);
                a = vj.fma(FloatVector.broadcast(S, pA[pOff + j]), a);
                b = vj.fma(FloatVector.broadcast(S, pB[pOff + j]), b);
            }
            a.intoArray(out, oA + d);
            b.intoArray(out, oB + d);
        }
    }

    /** {@code out[o..o+hd) += Σ_j p[pOff+j] v_{vFrom+j}} for j in [from, to), four vectors of the head per pass. */
    private static void mixOne(float[] v, int hd, int vFrom, int from, int to, float[] p, int pOff, float[] out, int o) {
        int d = 0;
        for (; d + 4 * L <= hd; d += 4 * L) {
            FloatVector a0 = FloatVector.fromArray(S, out, o + d), a1 = FloatVector.fromArray(S, out, o + d + L),
                    a2 = FloatVector.fromArray(S, out, o + d + 2 * L), a3 = FloatVector.fromArray(S, out, o + d + 3 * L);
            for (int j = from; j < to; j++) {
                int s = (vFrom + j) * hd + d;
                FloatVector x = FloatVector.broadcast(S, p[pOff + j]);
                a0 = FloatVector.fromArray(S, v, s).fma(x, a0);
                a1 = FloatVector.fromArray(S, v, s + L).fma(x, a1);
                a2 = FloatVector.fromArray(S, v, s + 2 * L).fma(x, a2);
                a3 = FloatVector.fromArray(S, v, s + 3 * L).fma(x, a3);
            }
            a0.intoArray(out, o + d);
            a1.intoArray(out, o + d + L);
            a2.intoArray(out, o + d + 2 * L);
            a3.intoArray(out, o + d + 3 * L);
        }
        for (; d < hd; d += L) {
            FloatVector a = FloatVector.fromArray(S, out, o + d);
            for (int j = from; j < to; j++) a = FloatVector.fromArray(S, v, (vFrom + j) * hd + d).fma(FloatVector.broadcast(S, p[pOff + j]), a);
            a.intoArray(out, o + d);
        }
    }
}
