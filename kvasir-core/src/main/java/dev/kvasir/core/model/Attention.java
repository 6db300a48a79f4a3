package dev.kvasir.core.model;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KiviStore;
import dev.kvasir.core.kv.VectorStore;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention of one query head over the slots of one KV head: the kernel
 * behind both prefill and decode. It iterates over the slots that exist, so an evicted or
 * merged cache is attended exactly as it is. A slot that stands for several merged tokens
 * (mass m) gets log(m) added to its logit, i.e. it counts m times in the softmax.
 */
final class Attention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Attention() {}

    /**
     * Computes softmax(q·k_j·scale + log m_j) over slots [0, n) into {@code p[0..n)} (normalised)
     * and writes Σ p_j v_j to {@code out[outOff .. outOff+headDim)}.
     */
    static void attend(HeadCache head, int n, float[] q, int qOff, float scale, float[] p, float[] out, int outOff) {
        int hd = head.headDim();
        VectorStore keys = head.keys();
        if (keys instanceof VectorStore.F32 k32) {
            scoresF32(k32.array(), hd, 0, n, q, qOff, scale, p, 0);
        } else {
            for (int j = 0; j < n; j++) p[j] = keys.dot(j, q, qOff) * scale;
        }
        normaliseAndMix(head, n, p, out, outOff);
    }

    /**
     * Copies keys of slots [0, n) into blocks of {@code L} slots stored dimension-major
     * ({@code kt[(s/L)*hd*L + d*L + s%L]}), so that one query's scores for a whole block come out
     * of {@code hd} broadcast-FMAs with no horizontal reduction. Built once per prefill chunk and
     * shared by every query of the chunk.
     */
    static float[] transposeKeys(HeadCache head, int n, float[] kt, float[] tmp) {
        int hd = head.headDim();
        int blocks = (n + L - 1) / L;
        int need = blocks * hd * L;
        if (kt == null || kt.length < need) kt = new float[need + need / 2];
        VectorStore keys = head.keys();
        float[] k32 = keys instanceof VectorStore.F32 f ? f.array() : null;
        for (int s = 0; s < n; s++) {
            int base = (s / L) * hd * L + (s % L);
            if (k32 != null) {
                int src = s * hd;
                for (int d = 0; d < hd; d++) kt[base + d * L] = k32[src + d];
            } else {
                keys.get(s, tmp, 0);
                for (int d = 0; d < hd; d++) kt[base + d * L] = tmp[d];
            }
        }
        // zero the tail of the last block so padded lanes hold finite scores
        for (int s = n; s < blocks * L; s++) {
            int base = (s / L) * hd * L + (s % L);
            for (int d = 0; d < hd; d++) kt[base + d * L] = 0f;
        }
        return kt;
    }

    /**
     * Prefill attention of one query over slots [0, n) using transposed key blocks (see
     * {@link #transposeKeys}); {@code p} must hold at least n rounded up to a block.
     */
    static void attendTransposed(HeadCache head, float[] kt, int n, float[] q, int qOff, float scale, float[] p, float[] out,
                                 int outOff) {
        int hd = head.headDim();
        int blocks = (n + L - 1) / L;
        for (int kb = 0; kb < blocks; kb++) blockScores(kt, kb * hd * L, hd, q, qOff, scale, p, kb * L);
        normaliseAndMix(head, n, p, out, outOff);
    }

    /**
     * True when prefill attention reads this head's stores in place ({@link #attendInPlace})
     * rather than through a transposed float copy of its keys: a KIVI store, whose reason to exist
     * is that the cache is never expanded back to floats. (Q8/Q4 keys are still transposed for
     * prefill, a float copy per chunk.)
     */
    static boolean readsInPlace(HeadCache head) {
        return head.keys() instanceof KiviStore || head.values() instanceof KiviStore;
    }

    /**
     * Prefill attention of one query over slots [lo, n) through the stores' own kernels: the
     * keys' {@link VectorStore#scores} and the values' {@link VectorStore#mix}, which a KIVI store
     * runs on its integer codes with the scales applied per group; slots before {@code lo}
     * (outside a sliding window) get no weight. Leaves the normalised row in {@code p[0..n)}.
     */
    static void attendInPlace(HeadCache head, int lo, int n, float[] q, int qOff, float scale, float[] p, float[] out, int outOff) {
        head.keys().scores(lo, n - lo, q, qOff, scale, p, lo);
        java.util.Arrays.fill(p, 0, lo, Float.NEGATIVE_INFINITY);
        float[] mass = head.massOrNull();
        if (mass != null) {
            for (int j = lo; j < n; j++) p[j] += (float) Math.log(mass[j]);
        }
        softmax(p, n);
        head.values().mix(lo, n - lo, p, lo, out, outOff);
    }

    /**
     * {@link #attendTransposed} for a sliding-window query: only slots [lo, n) are seen (the
     * earlier slots get no weight).
     */
    static void attendTransposedWindow(HeadCache head, float[] kt, int lo, int n, float[] q, int qOff, float scale, float[] p,
                                       float[] out, int outOff) {
        if (lo <= 0) {
            attendTransposed(head, kt, n, q, qOff, scale, p, out, outOff);
            return;
        }
        int hd = head.headDim();
        int blocks = (n + L - 1) / L;
        for (int kb = lo / L; kb < blocks; kb++) blockScores(kt, kb * hd * L, hd, q, qOff, scale, p, kb * L);
        java.util.Arrays.fill(p, 0, lo, Float.NEGATIVE_INFINITY);
        normaliseAndMix(head, n, p, out, outOff);
    }

    /**
     * From logits {@code p[0..n)} to the output: adds log(mass) for merged slots, softmax (left
     * in {@code p}), then {@code out = Σ_j p_j v_j}.
     */
    private static void normaliseAndMix(HeadCache head, int n, float[] p, float[] out, int outOff) {
        int hd = head.headDim();
        float[] mass = head.massOrNull();
        if (mass != null) {
            for (int j = 0; j < n; j++) p[j] += (float) Math.log(mass[j]);
        }
        softmax(p, n);
        VectorStore values = head.values();
        if (values instanceof VectorStore.F32 v32 && hd % L == 0) {
            weightedSumF32(v32.array(), hd, 0, n, p, 0, out, outOff);
        } else {
            java.util.Arrays.fill(out, outOff, outOff + hd, 0f);
            for (int j = 0; j < n; j++) values.addScaled(j, p[j], out, outOff);
        }
    }

    /**
     * Scores of one query for one block of L transposed keys (at {@code kt[kBase..]}): hd
     * broadcast-FMAs in four chains (with two, each block waited on the FMA latency), scaled,
     * into {@code p[pOff..pOff+L)}. Returns nothing, so no vector crosses the call.
     */
    static void blockScores(float[] kt, int kBase, int hd, float[] q, int qOff, float scale, float[] p, int pOff) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int d = 0;
        for (; d + 3 < hd; d += 4) {
            acc0 = FloatVector.fromArray(S, kt, kBase + d * L).fma(FloatVector.broadcast(S, q[qOff + d]), acc0);
            acc1 = FloatVector.fromArray(S, kt, kBase + (d + 1) * L).fma(FloatVector.broadcast(S, q[qOff + d + 1]), acc1);
            acc2 = FloatVector.fromArray(S, kt, kBase + (d + 2) * L).fma(FloatVector.broadcast(S, q[qOff + d + 2]), acc2);
            acc3 = FloatVector.fromArray(S, kt, kBase + (d + 3) * L).fma(FloatVector.broadcast(S, q[qOff + d + 3]), acc3);
        }
        for (; d < hd; d++) acc0 = FloatVector.fromArray(S, kt, kBase + d * L).fma(FloatVector.broadcast(S, q[qOff + d]), acc0);
        acc0.add(acc1).add(acc2.add(acc3)).mul(scale).intoArray(p, pOff);
    }

    /** Block length of {@link #transposeKeys}: one vector of slots. */
    static int blockLength() { return L; }

    /** {@code p[po+j] = scale * k_{from+j}·q} for j in [0, n), keys of {@code hd} floats in slot order. */
    static void scoresF32(float[] k, int hd, int from, int n, float[] q, int qOff, float scale, float[] p, int po) {
        if (hd == 4 * L) {
            FloatVector q0 = FloatVector.fromArray(S, q, qOff), q1 = FloatVector.fromArray(S, q, qOff + L),
                    q2 = FloatVector.fromArray(S, q, qOff + 2 * L), q3 = FloatVector.fromArray(S, q, qOff + 3 * L);
            for (int j = 0; j < n; j++) {
                int b = (from + j) * hd;
                FloatVector acc = FloatVector.fromArray(S, k, b).mul(q0)
                        .add(FloatVector.fromArray(S, k, b + L).mul(q1))
                        .add(FloatVector.fromArray(S, k, b + 2 * L).mul(q2))
                        .add(FloatVector.fromArray(S, k, b + 3 * L).mul(q3));
                p[po + j] = acc.reduceLanes(VectorOperators.ADD) * scale;
            }
            return;
        }
        int bound = S.loopBound(hd);
        for (int j = 0; j < n; j++) {
            int b = (from + j) * hd;
            int i = 0;
            float s = 0f;
            if (bound > 0) {
                FloatVector acc = FloatVector.zero(S);
                for (; i < bound; i += L) acc = FloatVector.fromArray(S, k, b + i).fma(FloatVector.fromArray(S, q, qOff + i), acc);
                s = acc.reduceLanes(VectorOperators.ADD);
            }
            for (; i < hd; i++) s += k[b + i] * q[qOff + i];
            p[po + j] = s * scale;
        }
    }

    /** In-place softmax of p[0..n) with a vectorised exp. */
    static void softmax(float[] p, int n) {
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; i < bound; i += L) vmax = vmax.max(FloatVector.fromArray(S, p, i));
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, p[i]);
        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector vsum = FloatVector.zero(S);
        i = 0;
        for (; i < bound; i += L) {
            FloatVector e = VectorExp.exp(FloatVector.fromArray(S, p, i).sub(vm));
            e.intoArray(p, i);
            vsum = vsum.add(e);
        }
        float sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(p[i] - max);
            p[i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        FloatVector vinv = FloatVector.broadcast(S, inv);
        i = 0;
        for (; i < bound; i += L) FloatVector.fromArray(S, p, i).mul(vinv).intoArray(p, i);
        for (; i < n; i++) p[i] *= inv;
    }

    /**
     * {@code out[outOff..+hd) = Σ_j p[po+j] v_{from+j}} for j in [0, n), keeping up to four
     * accumulator vectors in registers per pass.
     */
    static void weightedSumF32(float[] v, int hd, int from, int n, float[] p, int po, float[] out, int outOff) {
        for (int c = 0; c < hd; c += 4 * L) {
            int lanes = Math.min(4 * L, hd - c);
            if (lanes == 4 * L) {
                // two independent slot streams (even/odd) keep eight FMA chains in flight
                FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
                FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
                int j = 0;
                for (; j + 1 < n; j += 2) {
                    FloatVector pj = FloatVector.broadcast(S, p[po + j]);
                    FloatVector pk = FloatVector.broadcast(S, p[po + j + 1]);
                    int b = (from + j) * hd + c, bk = b + hd;
                    a0 = FloatVector.fromArray(S, v, b).fma(pj, a0);
                    a1 = FloatVector.fromArray(S, v, b + L).fma(pj, a1);
                    a2 = FloatVector.fromArray(S, v, b + 2 * L).fma(pj, a2);
                    a3 = FloatVector.fromArray(S, v, b + 3 * L).fma(pj, a3);
                    b0 = FloatVector.fromArray(S, v, bk).fma(pk, b0);
                    b1 = FloatVector.fromArray(S, v, bk + L).fma(pk, b1);
                    b2 = FloatVector.fromArray(S, v, bk + 2 * L).fma(pk, b2);
                    b3 = FloatVector.fromArray(S, v, bk + 3 * L).fma(pk, b3);
                }
                if (j < n) {
                    FloatVector pj = FloatVector.broadcast(S, p[po + j]);
                    int b = (from + j) * hd + c;
                    a0 = FloatVector.fromArray(S, v, b).fma(pj, a0);
                    a1 = FloatVector.fromArray(S, v, b + L).fma(pj, a1);
                    a2 = FloatVector.fromArray(S, v, b + 2 * L).fma(pj, a2);
                    a3 = FloatVector.fromArray(S, v, b + 3 * L).fma(pj, a3);
                }
                a0.add(b0).intoArray(out, outOff + c);
                a1.add(b1).intoArray(out, outOff + c + L);
                a2.add(b2).intoArray(out, outOff + c + 2 * L);
                a3.add(b3).intoArray(out, outOff + c + 3 * L);
            } else {
                for (int cc = c; cc < c + lanes; cc += L) {
                    FloatVector a = FloatVector.zero(S);
                    for (int j = 0; j < n; j++) a = FloatVector.fromArray(S, v, (from + j) * hd + cc).fma(FloatVector.broadcast(S, p[po + j]), a);
                    a.intoArray(out, outOff + cc);
                }
            }
        }
    }
}
