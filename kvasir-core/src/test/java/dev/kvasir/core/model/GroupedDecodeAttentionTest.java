package dev.kvasir.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.util.Parallel;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The grouped, chunked decode attention against the per-head kernel ({@link Attention#attend},
 * itself checked against hand-computed softmax attention): same outputs for caches of one to
 * many chunks, heads of different lengths, merged slots, F32/F16/BF16 storage, head sizes of four vectors,
 * whole vectors and with a tail; the same result for 1 and 2 threads; the attention rows left
 * for decode-time presses.
 */
class GroupedDecodeAttentionTest {
    @Property(tries = 60)
    void matchesPerHeadAttention(@ForAll @IntRange(min = 1, max = 700) int slots, @ForAll @IntRange(min = 1, max = 4) int group,
                                 @ForAll KvPrecision precision, @ForAll @IntRange(min = 0, max = 2) int headKind, @ForAll boolean merged, @ForAll long seed) {
        Random r = new Random(seed);
        int kvHeads = 3, hd = new int[] {64, 48, 40}[headKind]; // four vectors, whole vectors, a vector tail
        HeadCache[] heads = new HeadCache[kvHeads];
        int[] n = new int[kvHeads];
        for (int h = 0; h < kvHeads; h++) {
            n[h] = Math.max(1, slots - 37 * h); // heads of different lengths, as after head-adaptive compression
            heads[h] = new HeadCache(precision, hd, n[h]);
            for (int s = 0; s < n[h]; s++) {
                heads[h].append(AttentionTest.gaussian(r, hd), 0, AttentionTest.gaussian(r, hd), 0, s);
                if (merged && r.nextInt(5) == 0) heads[h].setMass(s, 1 + r.nextInt(6));
            }
        }
        float[] q = AttentionTest.gaussian(r, kvHeads * group * hd);
        for (int i = 0; i < q.length; i++) q[i] *= 2; // peaked enough that a wrong chunk merge shows
        float scale = (float) (1 / Math.sqrt(hd));

        float[] expected = new float[q.length];
        float[][] expectedRows = new float[kvHeads * group][];
        for (int h = 0; h < kvHeads * group; h++) {
            HeadCache head = heads[h / group];
            expectedRows[h] = new float[n[h / group]];
            Attention.attend(head, n[h / group], q, h * hd, scale, expectedRows[h], expected, h * hd);
        }
        float[][] rows = new float[kvHeads * group][];
        for (int h = 0; h < rows.length; h++) rows[h] = new float[n[h / group] + 5];
        float[] one = run(heads, n, group, q, scale, 1, rows), two = run(heads, n, group, q, scale, 2, null);
        for (int i = 0; i < q.length; i++) assertThat(one[i]).as("output %d", i).isCloseTo(expected[i], within(2e-5f));
        for (int h = 0; h < rows.length; h++) {
            for (int j = 0; j < n[h / group]; j++) {
                assertThat(rows[h][j]).as("attention row of head %d, slot %d", h, j).isCloseTo(expectedRows[h][j], within(1e-6f));
            }
        }
        // same chunks and the same arithmetic for any thread count (bits may still differ while
        // one run is interpreted and the other compiled: the Vector API's reductions differ in order)
        for (int i = 0; i < q.length; i++) assertThat(two[i]).as("2 threads, output %d", i).isCloseTo(one[i], within(1e-6f));
    }

    @Test
    void oneDominantSlotInALateChunkWins() {
        int hd = 64, n = 1000;
        HeadCache head = new HeadCache(KvPrecision.F32, hd, n);
        float[] zero = new float[hd], q = new float[hd], key = new float[hd], value = new float[hd];
        q[0] = 1;
        key[0] = 100; // logit 100 against 0 everywhere else: softmax is ~1 on slot 900
        java.util.Arrays.fill(value, 7f);
        for (int s = 0; s < n; s++) {
            if (s == 900) head.append(key, 0, value, 0, s);
            else head.append(zero, 0, zero, 0, s);
        }
        float[] out = run(new HeadCache[] {head}, new int[] {n}, 1, q, 1f, 2, null);
        for (float v : out) assertThat(v).isCloseTo(7f, within(1e-4f));
    }

    private static float[] run(HeadCache[] heads, int[] n, int group, float[] q, float scale, int threads, float[][] rows) {
        int hd = heads[0].headDim();
        ModelConfig c = new ModelConfig("test", heads.length * group * hd, 8, 1, heads.length * group, heads.length, hd, 16, 4096,
                1e-5f, 10000f, RopeType.INTERLEAVED, hd, null, false, false, true);
        float[] out = new float[q.length];
        try (Parallel par = new Parallel(threads)) {
            GroupedDecodeAttention.attend(heads, n, group, q, scale, out, new InferenceState(c, 1), par, rows);
        }
        return out;
    }
}
