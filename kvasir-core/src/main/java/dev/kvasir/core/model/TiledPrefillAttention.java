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
 * whole transposed key array and the whole value array of its KV head, 2 × 1.1 MB at a depth of
 * 4k, from L2/L3, and prefill at depth is bound by that traffic. Here every block of keys and
 * every chunk of values is loaded once for the tile's 4·g queries while it sits in L1. The
 * arithmetic is the same as per query: scores of whole key blocks, softmax of each query's row
 * (left in its row, as the recorder wants it), then the values mixed chunk by chunk into the
 * query's output. For heads of four vectors (64 floats with AVX-512); F16/BF16 values are
 * converted a chunk at a time. Other head sizes take the per-query path.
 */
final class TiledPrefillAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int HD4 = 4 * L;
    /** Tokens per tile: with SmolLM2's 3 heads per KV head, 12 queries share each load. */
    static final int TOKENS = 4;
    /** Value slots per mixing pass: 64 values of 64 floats are 16 KiB, in L1 for the whole tile. */
    private static final int VALUE_CHUNK = 64;

    private TiledPrefillAttention() {}

    /** True when the tiled kernels apply to this head (a head of four vectors, any storage). */
    static boolean applies(HeadCache head) {
        return head.headDim() == HD4;
    }

    /** Floats per thread that {@link #tile} needs in {@code mix}: one head's output and one chunk of values. */
    static int mixScratch() {
        return HD4 + VALUE_CHUNK * HD4;
    }

    /** Called with each query's normalised attention row (e.g. to record statistics). */
    interface RowSink {
        void row(int token, int queryHead, float[] p, int n);
    }

    /**
     * Attention of tokens [b0, b1) × query heads [h0, h0+g) over one KV head whose keys are
     * transposed in {@code kt} ({@link Attention#transposeKeys}); token b sees slots
     * [0, base + b]. Rows go to {@code rows[i]} (each at least the slot count rounded up to a
     * block), outputs to {@code out} at {@code b*qDim + h*hd}, like q; {@code mix} is scratch of
     * {@link #mixScratch()} floats.
     */
    static void tile(HeadCache head, float[] kt, int base, int b0, int b1, int h0, int g, float[] q, int qDim, float scale,
                     float[][] rows, float[] mix, float[] out, RowSink sink) {
        int items = (b1 - b0) * g;
        int maxN = base + b1;
        int blocks = (maxN + L - 1) / L;
        // 1. scores: each key block (L slots × HD4 dims, dimension-major) serves every query of the tile
        for (int kb = 0; kb < blocks; kb++) {
            int kBase = kb * HD4 * L;
            for (int i = 0; i < items; i++) {
                int b = b0 + i / g, h = h0 + i % g;
                if (kb * L >= base + b + 1) continue; // the whole block is in this token's future
                Attention.blockScores(kt, kBase, HD4, q, b * qDim + h * HD4, scale, rows[i], kb * L);
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
            java.util.Arrays.fill(out, b * qDim + (h0 + i % g) * HD4, b * qDim + (h0 + i % g + 1) * HD4, 0f);
        }
        // 3. values: each chunk of value rows is mixed into every query of the tile that sees it
        // (F16/BF16 chunks are converted once, into mix after the head-sized output part)
        VectorStore values = head.values();
        float[] v = values instanceof VectorStore.F32 f32 ? f32.array() : mix;
        for (int c = 0; c < maxN; c += VALUE_CHUNK) {
            int from = c;
            if (v == mix) {
                values.getRange(c, Math.min(maxN, c + VALUE_CHUNK) - c, mix, HD4);
                from = 1; // slot c now sits at slot index 1 of mix, after the HD4 output floats
            }
            for (int i = 0; i < items; i++) {
                int b = b0 + i / g, n = base + b + 1;
                int len = Math.min(n, c + VALUE_CHUNK) - c;
                if (len <= 0) continue;
                Attention.weightedSumF32(v, HD4, from, len, rows[i], c, mix, 0);
                int o = b * qDim + (h0 + i % g) * HD4;
                for (int d = 0; d < HD4; d += L) {
                    FloatVector.fromArray(S, out, o + d).add(FloatVector.fromArray(S, mix, d)).intoArray(out, o + d);
                }
            }
        }
    }
}
