package dev.kvasir.core.model;

import dev.kvasir.core.ParityFixture;
import dev.kvasir.core.TestResources;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.press.AttentionStats;
import dev.kvasir.core.press.StatsRequest;
import dev.kvasir.core.util.Parallel;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.kvasir.core.ParityFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The statistics the engine gathers inside its prefill attention (column sums over every query, rows
 * of the last w queries) equal those of an independent float64 softmax
 * ({@code tools/reference/attention_stats_ref.py}: numpy forward of tinystories-656k, 8 query heads
 * over 4 KV heads, 100 prompt tokens, w = 8), prefilled whole and in chunks.
 */
class AttentionStatsParityTest {

    @Test
    void recordedStatisticsMatchAnIndependentSoftmax() {
        ParityFixture f = ParityFixture.load("attention_stats.json");
        Map<String, Object> in = f.object("input");
        int[] ids = ints(in.get("prompt_ids"));
        int t = ids.length, w = integer(in, "window");
        float[] cols = floats(f.root().get("column_sums")), rows = floats(f.root().get("window_rows"));
        try (Model m = Model.load(TestResources.tinystories656k()); Parallel par = new Parallel(2)) {
            LlamaModel llama = m.llama();
            ModelConfig c = m.config();
            assertThat(new int[] {c.layers(), c.heads(), c.kvHeads()})
                    .containsExactly(integer(in, "layers"), integer(in, "query_heads"), integer(in, "kv_heads"));
            StatsRequest req = new StatsRequest(true, w);
            AttentionRecorder whole = new AttentionRecorder(req, c.layers(), c.heads(), c.kvHeads(), 0, t);
            llama.forward(ids, 0, t, llama.newCache(KvPrecision.F32, t), llama.newState(t), par, whole, false);
            AttentionRecorder chunked = new AttentionRecorder(req, c.layers(), c.heads(), c.kvHeads(), 0, t);
            llama.forward(ids, 0, t, llama.newCache(KvPrecision.F32, t), llama.newState(16), par, chunked, false);
            double worstCol = 0, worstRow = 0;
            for (AttentionRecorder rec : new AttentionRecorder[] {whole, chunked}) {
                for (int l = 0; l < c.layers(); l++) {
                    AttentionStats s = rec.stats(l);
                    for (int h = 0; h < c.heads(); h++) {
                        for (int j = 0; j < t; j++) {
                            double want = cols[(l * c.heads() + h) * t + j];
                            worstCol = Math.max(worstCol, Math.abs(s.columnSums()[h][j] - want) / Math.max(1, want));
                            for (int r = 0; r < w; r++) {
                                worstRow = Math.max(worstRow, Math.abs(s.windowRows()[h][r][j] - rows[((l * c.heads() + h) * w + r) * t + j]));
                            }
                        }
                    }
                }
            }
            // float32 engine against float64 numpy: rows within 2e-6, column sums (up to ~T) within 1e-5 relative
            assertThat(worstRow).as("largest |Δ| of a window-row entry").isLessThan(2e-6);
            assertThat(worstCol).as("largest relative |Δ| of a column sum").isLessThan(1e-5);
        }
    }
}
