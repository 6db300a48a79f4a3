package dev.kvasir.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KiviStore;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.util.Parallel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Attention over a KIVI cache equals attention over its dequantised copy in F32: decode (the
 * grouped, chunked kernel, which scores the keys' codes per group and mixes the values' codes
 * per block) and prefill read in place (a question appended to a quantised prompt, and a
 * sliding-window query), with merged slots, eviction that left groups sparse, and slots still in
 * the F16 residual window. Keys and values may be KIVI on one side only.
 */
class KiviAttentionTest {
    @ParameterizedTest
    @CsvSource({"KIVI4, KIVI4, 64", "KIVI2, KIVI2, 64", "KIVI4, F16, 64", "F16, KIVI2, 64", "KIVI4, KIVI2, 48", "KIVI2, KIVI4, 8"})
    void attentionOverTheCodesEqualsAttentionOverTheDequantisedCopy(KvPrecision keys, KvPrecision values, int hd) {
        Random r = new Random(7);
        int kvHeads = 2, group = 3, tokens = 300;
        HeadCache[] kivi = new HeadCache[kvHeads], copy = new HeadCache[kvHeads];
        int[] n = new int[kvHeads];
        for (int h = 0; h < kvHeads; h++) {
            HeadCache staged = new HeadCache(KvPrecision.F16, hd, tokens);
            for (int t = 0; t < tokens; t++) {
                float[] k = AttentionTest.gaussian(r, hd), v = AttentionTest.gaussian(r, hd);
                if (h == 1) for (int i = 0; i < hd; i += 7) k[i] = k[i] * 6 + 3; // outlier channels, as real keys have
                staged.append(k, 0, v, 0, t);
            }
            // compression before storing: every third token evicted, some slots merged
            int[] keep = new int[tokens - tokens / 3];
            for (int t = 0, i = 0; t < tokens; t++) if (t % 3 != 1) keep[i++] = t;
            staged.retain(keep, keep.length, 8);
            for (int s = 0; s < staged.size(); s += 5) staged.setMass(s, 1 + s % 4);
            staged.storeAs(keys, values);
            // decode-time eviction on the stored cache: groups lose members, keep their scales
            int[] again = new int[staged.size() - 20];
            for (int s = 0, i = 0; i < again.length; s++) if (s % 9 != 4 || s >= 180) again[i++] = s;
            staged.retain(again, again.length, 8);
            for (int t = 0; t < 5; t++) staged.append(AttentionTest.gaussian(r, hd), 0, AttentionTest.gaussian(r, hd), 0, tokens + t);
            kivi[h] = staged;
            copy[h] = dequantisedCopy(staged);
            n[h] = staged.size();
        }
        if (keys.kivi()) assertThat(((KiviStore) kivi[0].keys()).residualSize()).as("slots waiting in F16").isPositive();
        assertThat(Attention.readsInPlace(kivi[0])).isTrue();

        float[] q = AttentionTest.gaussian(r, kvHeads * group * hd);
        for (int i = 0; i < q.length; i++) q[i] *= 2;
        float scale = (float) (1 / Math.sqrt(hd));
        float[] expected = decode(copy, n, group, q, scale), actual = decode(kivi, n, group, q, scale);
        for (int i = 0; i < q.length; i++) assertThat(actual[i]).as("decode output %d", i).isCloseTo(expected[i], within(2e-5f));

        // prefill read in place, against the per-query kernel on the F32 copy; lo > 0: a sliding-window query
        for (int lo : new int[] {0, 37}) {
            for (int h = 0; h < kvHeads * group; h++) {
                HeadCache a = kivi[h / group], b = copy[h / group];
                int len = n[h / group];
                float[] p = new float[len + 16], pe = new float[len + 16], out = new float[hd], want = new float[hd];
                Attention.attendInPlace(a, lo, len, q, h * hd, scale, p, out, 0);
                float[] kt = Attention.transposeKeys(b, len, null, new float[hd]);
                Attention.attendTransposedWindow(b, kt, lo, len, q, h * hd, scale, pe, want, 0);
                for (int j = 0; j < len; j++) assertThat(p[j]).as("row of head %d, slot %d, window from %d", h, j, lo).isCloseTo(pe[j], within(1e-6f + 1e-5f * pe[j]));
                for (int d = 0; d < hd; d++) assertThat(out[d]).as("prefill output of head %d, dim %d, window from %d", h, d, lo).isCloseTo(want[d], within(2e-5f));
            }
        }
    }

    /** An F32 head holding what the KIVI head reads back, with its positions and masses. */
    private static HeadCache dequantisedCopy(HeadCache h) {
        int hd = h.headDim();
        HeadCache c = new HeadCache(KvPrecision.F32, hd, h.size());
        float[] k = new float[hd], v = new float[hd];
        for (int s = 0; s < h.size(); s++) {
            h.keys().get(s, k, 0);
            h.values().get(s, v, 0);
            c.append(k, 0, v, 0, h.position(s));
            c.setMass(s, h.mass(s));
        }
        return c;
    }

    private static float[] decode(HeadCache[] heads, int[] n, int group, float[] q, float scale) {
        int hd = heads[0].headDim();
        ModelConfig c = new ModelConfig("test", heads.length * group * hd, 8, 1, heads.length * group, heads.length, hd, 16, 4096,
                1e-5f, 10000f, RopeType.INTERLEAVED, hd, null, false, false, true);
        float[] out = new float[q.length];
        try (Parallel par = new Parallel(2)) {
            GroupedDecodeAttention.attend(heads, n, group, q, scale, out, new InferenceState(c, 1), par, null);
        }
        return out;
    }
}
