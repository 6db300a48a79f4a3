package dev.kvasir.core.model;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.press.AttentionStats;
import dev.kvasir.core.press.StatsRequest;
import dev.kvasir.core.util.Parallel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The statistics presses consume, gathered inside prefill attention, checked three ways:
 * rows are distributions over the slots a query may see, chunking does not change them, and the
 * prefill path agrees with the separate decode path (token-by-token attention rows).
 */
class AttentionRecorderTest {
    static final int T = 45, W = 6;

    @Test
    void statsAreDistributionsIndependentOfChunkingAndMatchDecodeRows() {
        try (Model m = Model.load(TestResources.stories260k()); Parallel par = new Parallel(2)) {
            LlamaModel llama = m.llama();
            ModelConfig c = m.config();
            int[] tokens = new int[T];
            for (int i = 0; i < T; i++) tokens[i] = 1 + (i * 37) % 500;
            StatsRequest req = new StatsRequest(true, W);

            AttentionRecorder whole = new AttentionRecorder(req, c.layers(), c.heads(), c.kvHeads(), 0, T);
            llama.forward(tokens, 0, T, llama.newCache(KvPrecision.F32, T), llama.newState(64), par, whole, false);

            // the same prompt in forward calls of 10 tokens with chunks of 4 (and a last chunk of 1)
            AttentionRecorder chunked = new AttentionRecorder(req, c.layers(), c.heads(), c.kvHeads(), 0, T);
            KvCache cache = llama.newCache(KvPrecision.F32, T);
            InferenceState small = llama.newState(4);
            for (int done = 0; done < T; done += 10) {
                llama.forward(tokens, done, Math.min(10, T - done), cache, small, par, chunked.offset(done), false);
            }

            // token by token with decode-time row recording
            KvCache decodeCache = llama.newCache(KvPrecision.F32, T);
            InferenceState one = llama.newState(1);
            one.recordDecodeAttention(true);
            float[][][] lastRows = new float[c.layers()][][];
            for (int i = 0; i < T; i++) llama.forward(tokens, i, 1, decodeCache, one, par, null, false);
            for (int l = 0; l < c.layers(); l++) lastRows[l] = one.lastAttentionRows(l);

            for (int l = 0; l < c.layers(); l++) {
                AttentionStats a = whole.stats(l), b = chunked.stats(l);
                for (int h = 0; h < c.heads(); h++) {
                    float total = 0;
                    for (int j = 0; j < T; j++) {
                        total += a.columnSums()[h][j];
                        assertThat(b.columnSums()[h][j]).isCloseTo(a.columnSums()[h][j], within(1e-4f));
                    }
                    assertThat(total).as("each of the T queries contributes a distribution").isCloseTo(T, within(1e-3f));
                    for (int r = 0; r < W; r++) {
                        int query = T - W + r;
                        float rowSum = 0;
                        for (int j = 0; j < T; j++) {
                            float v = a.windowRows()[h][r][j];
                            if (j > query) assertThat(v).as("no attention to future slots").isZero();
                            rowSum += v;
                            assertThat(b.windowRows()[h][r][j]).isCloseTo(v, within(1e-5f));
                        }
                        assertThat(rowSum).isCloseTo(1f, within(1e-4f));
                    }
                    for (int j = 0; j < T; j++) {
                        assertThat(a.lastRow(h)[j]).as("layer %d head %d slot %d", l, h, j).isCloseTo(lastRows[l][h][j], within(1e-5f));
                    }
                }
                assertThat(a.queriesSeen()[0]).isEqualTo(T);
                assertThat(a.queriesSeen()[T - 1]).isEqualTo(1);
            }
        }
    }
}
