package dev.kvasir.core.press;

import dev.kvasir.core.ParityFixture;
import dev.kvasir.core.kv.KvCache;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.kvasir.core.ParityFixture.*;
import static dev.kvasir.core.press.PressFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * SnapKV's kept positions equal those of the independent reference {@code tools/reference/snapkv_ref.py}
 * (3 layers, 4 query heads over 2 KV heads, 320 tokens, seeded window rows; the paper's w = 32, k = 7,
 * max-pool and an avg-pool variant; 48, 96 and 160 tokens per head).
 */
class SnapKvParityTest {

    @Test
    void keptPositionsMatchTheReference() {
        ParityFixture f = ParityFixture.load("snapkv.json");
        AttentionStats[] stats = seededStats(f.object("input"));
        assertKeptMatch(f, stats, "snapkv");
    }

    /** The seeded rows of a fixture's input, checked against the reference's checksums. */
    static AttentionStats[] seededStats(Map<String, Object> in) {
        int layers = integer(in, "layers"), qh = integer(in, "query_heads"), kvh = integer(in, "kv_heads");
        int t = integer(in, "tokens"), w = integer(in, "window_rows");
        float[][][][] rows = SeededAttention.windowRows(Long.parseLong(in.get("seed").toString()), layers, qh, kvh, t, w);
        double sum = 0, weighted = 0;
        for (float[][][] layer : rows) for (float[][] head : layer) for (float[] row : head) {
            for (int j = 0; j < t; j++) {
                sum += row[j];
                weighted += (double) row[j] * j;
            }
        }
        assertThat(sum).as("the same seeded rows as the reference").isCloseTo(real(in, "checksum"), within(1e-9 * real(in, "checksum")));
        assertThat(weighted).isCloseTo(real(in, "checksum_weighted"), within(1e-9 * real(in, "checksum_weighted")));
        AttentionStats[] stats = new AttentionStats[layers];
        for (int l = 0; l < layers; l++) stats[l] = new AttentionStats(qh, kvh, t, null, rows[l], null);
        return stats;
    }

    /** Runs every case of the fixture (options, tokens per head) and compares the kept positions. */
    static void assertKeptMatch(ParityFixture f, AttentionStats[] stats, String method) {
        int kvh = stats[0].kvHeads(), t = stats[0].tokens();
        for (Object o : f.array("cases")) {
            Map<String, Object> c = object(o);
            Map<String, String> options = new java.util.LinkedHashMap<>();
            object(c.get("options")).forEach((k, v) -> options.put(k, v.toString()));
            int capacity = integer(c, "tokens_per_head");
            KvCache cache = plain(stats.length, kvh, 2, t);
            press(method, options).compress(cache, l -> stats[l], Budget.tokensPerHead(capacity));
            List<Object> kept = array(c.get("kept"));
            for (int l = 0; l < stats.length; l++) {
                List<Object> heads = array(kept.get(l));
                for (int h = 0; h < kvh; h++) {
                    assertThat(positions(cache, l, h)).as("%s %s C=%d layer %d head %d", method, options, capacity, l, h)
                            .containsExactly(ints(heads.get(h)));
                }
            }
        }
    }
}
