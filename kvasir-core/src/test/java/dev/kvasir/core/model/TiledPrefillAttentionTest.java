package dev.kvasir.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvPrecision;
import jdk.incubator.vector.FloatVector;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The tiled prefill kernel against the per-query one ({@link Attention#attendTransposed}):
 * same outputs and the same normalised attention rows (what the recorder receives) for any
 * cache depth, chunk length (tails of a tile included), group size, F32/F16/BF16 storage and
 * merged slots, and heads of several vector counts.
 */
class TiledPrefillAttentionTest {
    @Property(tries = 40)
    void matchesPerQueryAttention(@ForAll @IntRange(min = 0, max = 300) int depth, @ForAll @IntRange(min = 1, max = 11) int tokens,
                                  @ForAll @IntRange(min = 1, max = 3) int group, @ForAll KvPrecision precision, @ForAll boolean merged,
                                  @ForAll @IntRange(min = 1, max = 3) int vectorsLog2, @ForAll long seed) {
        Random r = new Random(seed);
        // heads of 2, 4 and 8 vectors: 64 floats are 4 vectors with AVX-512, 8 with AVX2
        int hd = (1 << vectorsLog2) * FloatVector.SPECIES_PREFERRED.length();
        HeadCache head = new HeadCache(precision, hd, depth + tokens);
        for (int s = 0; s < depth + tokens; s++) {
            head.append(AttentionTest.gaussian(r, hd), 0, AttentionTest.gaussian(r, hd), 0, s);
            if (merged && s < depth && r.nextInt(4) == 0) head.setMass(s, 1 + r.nextInt(5));
        }
        assertThat(TiledPrefillAttention.applies(head)).isTrue();
        float[] kt = Attention.transposeKeys(head, depth + tokens, null, new float[hd]);
        // the tile's KV head is the second of two, so its query heads start at h0 = group
        int h0 = group, qDim = 2 * group * hd;
        float[] q = AttentionTest.gaussian(r, tokens * qDim);
        float scale = (float) (1 / Math.sqrt(hd));
        int padded = Math.max((depth + tokens + 15) / 16 * 16 + 64, TiledPrefillAttention.mixScratch(hd));

        float[] expected = new float[q.length];
        Map<Long, float[]> expectedRows = new HashMap<>();
        for (int b = 0; b < tokens; b++) {
            for (int h = h0; h < h0 + group; h++) {
                float[] p = new float[padded];
                int off = b * qDim + h * hd, n = depth + b + 1;
                Attention.attendTransposed(head, kt, n, q, off, scale, p, expected, off);
                expectedRows.put((long) b << 32 | h, java.util.Arrays.copyOf(p, n));
            }
        }

        float[] actual = new float[q.length];
        Map<Long, float[]> actualRows = new HashMap<>();
        float[][] rows = new float[TiledPrefillAttention.TOKENS * group + 1][padded];
        for (int b0 = 0; b0 < tokens; b0 += TiledPrefillAttention.TOKENS) {
            TiledPrefillAttention.tile(head, kt, depth, b0, Math.min(tokens, b0 + TiledPrefillAttention.TOKENS), h0, group, q, qDim,
                    scale, rows, rows[rows.length - 1], actual,
                    (b, h, p, n) -> actualRows.put((long) b << 32 | h, java.util.Arrays.copyOf(p, n)));
        }
        for (int b = 0; b < tokens; b++) {
            for (int h = h0; h < h0 + group; h++) {
                float[] want = expectedRows.get((long) b << 32 | h), got = actualRows.get((long) b << 32 | h);
                assertThat(got).as("row of token %d head %d", b, h).hasSize(want.length);
                for (int j = 0; j < want.length; j++) assertThat(got[j]).isCloseTo(want[j], within(1e-6f));
                for (int d = 0; d < hd; d++) {
                    int i = b * qDim + h * hd + d;
                    assertThat(actual[i]).as("output token %d head %d dim %d", b, h, d).isCloseTo(expected[i], within(1e-5f));
                }
            }
        }
        // the other KV head's outputs are not touched
        for (int b = 0; b < tokens; b++) {
            for (int i = b * qDim; i < b * qDim + group * hd; i++) assertThat(actual[i]).isZero();
        }
    }
}
