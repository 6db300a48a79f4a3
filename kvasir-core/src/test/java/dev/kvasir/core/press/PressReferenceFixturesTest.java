package dev.kvasir.core.press;

import dev.kvasir.core.json.Json;
import dev.kvasir.core.kv.KvCache;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.kvasir.core.press.PressFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Kvasir's AdaKV and CaM against independent Python implementations written from the papers and the
 * official code (tools/reference, {@code python3 tools/reference/make_fixtures.py}), on seeded
 * synthetic statistics of realistic shape: several layers, GQA groups of 3, a few hundred tokens.
 * Both sides draw the statistics from the same {@link SplittableRandom} stream (the Python side
 * re-implements it), in the order documented in tools/reference/synthetic.py.
 */
class PressReferenceFixturesTest {

    // ------------------------------------------------------------------ AdaKV

    @Test
    void adaKvKeepsTheReferencesIndicesOnEveryLayerAndHead() {
        Map<String, Object> f = fixture("adakv.json");
        Map<String, Object> p = Json.asObject(f.get("params"), "params");
        int layers = integer(p, "layers"), qh = integer(p, "query_heads"), kvh = integer(p, "kv_heads"), t = integer(p, "tokens");
        int w = integer(p, "window"), capacity = integer(p, "capacity");
        int[] squarings = ints(p.get("squarings"));
        float[][][][] rows = windowRows(Json.asLong(p.get("seed"), "seed"), layers, qh, t, w, squarings);
        assertGenerated(Json.asObject(f.get("check"), "check"), flatten(rows));

        KvCache cache = plain(layers, kvh, 2, t);
        Press press = press("adakv", "window", Integer.toString(w), "kernel", p.get("kernel").toString(), "alpha", p.get("alpha").toString());
        assertThat(press.options()).containsEntry("allocation", "official").containsEntry("gqa-first", "true").containsEntry("normalize", "false");
        press.compress(cache, l -> new AttentionStats(qh, kvh, t, null, rows[l], null), Budget.tokensPerHead(capacity));

        List<Object> expected = Json.asArray(f.get("layers"), "layers");
        for (int l = 0; l < layers; l++) {
            Map<String, Object> layer = Json.asObject(expected.get(l), "layer");
            List<Object> kept = Json.asArray(layer.get("kept"), "kept");
            int[] budgets = ints(layer.get("budgets"));
            for (int h = 0; h < kvh; h++) {
                assertThat(cache.head(l, h).size()).as("layer %d head %d size", l, h).isEqualTo(budgets[h] + w);
                assertThat(positions(cache, l, h)).as("layer %d head %d kept", l, h).containsExactly(ints(kept.get(h)));
            }
        }
    }

    /** rows[l][q][r][j], as synthetic.window_rows: u^(2^s) per visible key, +4 on key 0, normalised in double. */
    static float[][][][] windowRows(long seed, int layers, int qh, int t, int w, int[] squarings) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][][][] out = new float[layers][qh][w][t];
        for (int l = 0; l < layers; l++) {
            for (int q = 0; q < qh; q++) {
                for (int r = 0; r < w; r++) {
                    int visible = t - w + r + 1;
                    double[] raw = new double[visible];
                    for (int j = 0; j < visible; j++) {
                        double x = rnd.nextDouble();
                        for (int s = 0; s < squarings[q]; s++) x = x * x;
                        raw[j] = x;
                    }
                    raw[0] += 4.0;
                    double total = 0;
                    for (double x : raw) total += x;
                    for (int j = 0; j < visible; j++) out[l][q][r][j] = (float) (raw[j] / total);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ CaM

    @Test
    void camMergesAsTheReferenceOnEveryCase() {
        Map<String, Object> f = fixture("cam.json");
        Map<String, Object> p = Json.asObject(f.get("params"), "params");
        int layers = integer(p, "layers"), qh = integer(p, "query_heads"), kvh = integer(p, "kv_heads"), t = integer(p, "tokens");
        int dim = integer(p, "dim"), capacity = integer(p, "capacity");
        float[][][] cols = columnSums(Json.asLong(p.get("cols_seed"), "cols_seed"), layers, qh, t);
        float[][][][] vals = values(Json.asLong(p.get("values_seed"), "values_seed"), layers, kvh, t, dim);
        Map<String, Object> check = Json.asObject(f.get("check"), "check");
        assertGenerated(Json.asObject(check.get("columnSums"), "columnSums"), flatten(cols));
        assertGenerated(Json.asObject(check.get("values"), "values"), flatten(vals));

        for (Object co : Json.asArray(f.get("cases"), "cases")) {
            Map<String, Object> c = Json.asObject(co, "case");
            String name = Json.asString(c.get("name"), "name");
            Map<String, String> options = new LinkedHashMap<>();
            Json.asObject(c.get("options"), "options").forEach((k, v) -> options.put(k, v.toString()));
            options.put("seed", p.get("seed").toString());
            KvCache cache = cache(layers, kvh, dim, t, unitKeys(dim), (l, h, j) -> vals[l][h][j].clone());
            CompressionReport report = press("cam", options).compress(cache, l -> new AttentionStats(qh, kvh, t, cols[l], null, null),
                    Budget.tokensPerHead(capacity));
            long mergedTotal = 0;
            for (Object ho : Json.asArray(c.get("heads"), "heads")) {
                Map<String, Object> head = Json.asObject(ho, "head");
                int l = integer(head, "layer"), h = integer(head, "kvHead");
                String what = name + " layer " + l + " head " + h;
                assertThat(positions(cache, l, h)).as(what + " kept").containsExactly(ints(head.get("kept")));
                List<Object> expected = Json.asArray(head.get("values"), "values");
                for (int s = 0; s < expected.size(); s++) {
                    List<Object> row = Json.asArray(expected.get(s), "row");
                    float[] v = value(cache, l, h, s);
                    for (int x = 0; x < dim; x++) {
                        assertThat(v[x]).as("%s slot %d dim %d", what, s, x).isCloseTo((float) Json.asDouble(row.get(x), "v"), within(2e-5f));
                    }
                }
                mergedTotal += integer(head, "merged");
            }
            assertThat(report.details()).as(name).containsEntry("merged", Long.toString(mergedTotal));
        }
    }

    /** cols[l][q][j] = u²·(T − j)/T·8 (+50 on j < 4), as synthetic.column_sums. */
    static float[][][] columnSums(long seed, int layers, int qh, int t) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][][] out = new float[layers][qh][t];
        for (int l = 0; l < layers; l++) {
            for (int q = 0; q < qh; q++) {
                for (int j = 0; j < t; j++) {
                    double u = rnd.nextDouble();
                    double x = u * u * (t - j) / t * 8.0;
                    if (j < 4) x += 50.0;
                    out[l][q][j] = (float) x;
                }
            }
        }
        return out;
    }

    /** v[l][h][j][x] = 2u − 1 + 0.5, as synthetic.values. */
    static float[][][][] values(long seed, int layers, int kvh, int t, int dim) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][][][] out = new float[layers][kvh][t][dim];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvh; h++) {
                for (int j = 0; j < t; j++) {
                    for (int x = 0; x < dim; x++) out[l][h][j][x] = (float) (2.0 * rnd.nextDouble() - 1.0 + 0.5);
                }
            }
        }
        return out;
    }

    private static VecFn unitKeys(int dim) {
        return (l, h, j) -> unit(dim);
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, Object> fixture(String name) {
        try (InputStream in = PressReferenceFixturesTest.class.getResourceAsStream("/reference/" + name)) {
            assertThat(in).as("fixture reference/%s (python3 tools/reference/make_fixtures.py)", name).isNotNull();
            return Json.asObject(Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name), name);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** The generator agrees with the Python one: same first values (bit for bit) and same total. */
    private static void assertGenerated(Map<String, Object> check, float[] flat) {
        List<Object> first = Json.asArray(check.get("first"), "first");
        for (int i = 0; i < first.size(); i++) {
            assertThat(flat[i]).as("generated value %d (generator out of step with tools/reference/synthetic.py)", i)
                    .isEqualTo((float) Json.asDouble(first.get(i), "first"));
        }
        double sum = 0;
        for (float x : flat) sum += x;
        assertThat(sum).as("sum of the generated statistics").isCloseTo(Json.asDouble(check.get("sum"), "sum"), within(1e-6 * Math.abs(sum) + 1e-9));
    }

    private static float[] flatten(Object a) {
        java.util.ArrayList<Float> out = new java.util.ArrayList<>();
        collect(a, out);
        float[] f = new float[out.size()];
        for (int i = 0; i < f.length; i++) f[i] = out.get(i);
        return f;
    }

    private static void collect(Object a, List<Float> out) {
        if (a instanceof float[] f) for (float x : f) out.add(x);
        else for (Object o : (Object[]) a) collect(o, out);
    }

    private static int integer(Map<String, Object> m, String key) { return (int) Json.asLong(m.get(key), key); }

    private static int[] ints(Object list) {
        List<Object> l = Json.asArray(list, "list");
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = (int) Json.asLong(l.get(i), "int");
        return out;
    }
}
