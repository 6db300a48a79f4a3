// How much CaM's merge changes the cache of a real 4k prompt, per variant and budget, beside StreamingLLM/H2O
// (same eviction, no merge), and the answer each gives; dumps one head for tools/reference/check_cam_dump.py.
// Run: java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp kvasir-cli/target/kvasir.jar \
//        scripts/CamMergeStats.java PROMPT_FILE [DUMP_DIR]
import dev.kvasir.chat.ChatMessage;
import dev.kvasir.chat.ChatTemplate;
import dev.kvasir.core.generate.*;
import dev.kvasir.core.kv.*;
import dev.kvasir.core.model.*;
import dev.kvasir.core.press.*;
import dev.kvasir.core.tokenizer.Tokenizer;
import java.nio.file.*;
import java.util.*;

public class CamMergeStats {
  static final int DUMP_LAYER = 15, DUMP_HEAD = 0;

  public static void main(String[] a) throws Exception {
    try (Model m = Model.load(dev.kvasir.core.fetch.ModelCache.defaultModelPath())) {
      Tokenizer tok = m.tokenizer();
      String bos = tok.bosToken() >= 0 ? tok.tokenString(tok.bosToken()) : "", eos = tok.eosToken() >= 0 ? tok.tokenString(tok.eosToken()) : "";
      String rendered = ChatTemplate.of(m.chatTemplate().orElse(null), bos, eos).render(List.of(ChatMessage.user(Files.readString(Path.of(a[0])))), true);
      int[] ids = tok.encode(rendered, false, true);
      String[][] variants = {{"streaming-llm"}, {"cam"}, {"h2o"}, {"cam", "eviction", "h2o"}};
      try (Generator g = new Generator(m, Generator.Options.defaults().withThreads(2))) {
        Generator.Prefilled pf = g.prefillFor(ids, 64, Presses.create("cam"), Presses.create("snapkv", Map.of("window", "1")));
        KvCache orig = pf.cache();
        System.out.printf("prompt %d tokens%n", ids.length);
        System.out.println("| method | budget | merged | mean ‖ΔV‖/‖V‖ | max ‖ΔV‖/‖V‖ | last-query output shift (mean over layers, max) | answer |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (double b : new double[] {0.35, 0.2}) {
          for (String[] v : variants) {
            Map<String, String> opts = new LinkedHashMap<>();
            for (int i = 1; i < v.length; i += 2) opts.put(v[i], v[i + 1]);
            Press press = Presses.create(v[0], opts);
            KvCache c = orig.copy();
            CompressionReport r = press.compress(c, l -> pf.recorder().stats(l), Budget.fraction(b));
            double[] s = stats(orig, c, pf.recorder());
            if (a.length > 1 && b == 0.2 && v[0].equals("cam")) dump(Path.of(a[1]), String.join("-", v), orig, c, pf.recorder(), opts, b, ids.length);
            GenerationResult gr = g.continueFrom(pf, true, Presses.create(v[0], opts), Budget.fraction(b),
                GenerationRequest.of(ids, 40, SamplingParams.greedy()), x -> {});
            System.out.printf("| %s | %.2f | %s | %.3f | %.1f | %.3f (max %.3f) | %s |%n", String.join(":", v), b, r.details().getOrDefault("merged", "0"),
                s[0], s[1], s[2], s[3], gr.text().replace("\n", " ").replace("|", "/"));
          }
        }
      }
    }
  }

  /** mean and max of ‖V'_j − V_j‖ / mean‖V‖ over kept slots; shift of the last prompt query's attention output over kept slots. */
  static double[] stats(KvCache orig, KvCache c, AttentionRecorder rec) {
    int d = c.headDim();
    float[] v0 = new float[d], v1 = new float[d];
    double sum = 0, max = 0, shiftSum = 0, shiftMax = 0;
    long n = 0;
    for (int l = 0; l < c.layers(); l++) {
      AttentionStats st = rec.stats(l);
      int g = st.groupSize();
      double layerShift = 0;
      for (int h = 0; h < c.kvHeads(); h++) {
        HeadCache o = orig.head(l, h), k = c.head(l, h);
        double meanNorm = 0;
        for (int j = 0; j < o.size(); j++) { o.values().get(j, v0, 0); meanNorm += norm(v0, null); }
        meanNorm /= o.size();
        int[] pos = k.positions();
        double[][] out0 = new double[g][d], out1 = new double[g][d];
        double[] wsum = new double[g];
        for (int s = 0; s < pos.length; s++) {
          o.values().get(pos[s], v0, 0);
          k.values().get(s, v1, 0);
          double r = norm(v1, v0) / meanNorm;
          sum += r; max = Math.max(max, r); n++;
          for (int q = 0; q < g; q++) {
            float w = st.lastRow(h * g + q)[pos[s]];
            wsum[q] += w;
            for (int x = 0; x < d; x++) { out0[q][x] += w * v0[x]; out1[q][x] += w * v1[x]; }
          }
        }
        for (int q = 0; q < g; q++) {
          double diff = 0, base = 0;
          for (int x = 0; x < d; x++) { diff += sq(out1[q][x] - out0[q][x]); base += sq(out0[q][x]); }
          layerShift += Math.sqrt(diff / base) / (g * c.kvHeads());
        }
      }
      shiftSum += layerShift;
      shiftMax = Math.max(shiftMax, layerShift);
    }
    return new double[] {sum / n, max, shiftSum / c.layers(), shiftMax};
  }

  static double sq(double x) { return x * x; }

  static double norm(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += sq(a[i] - (b == null ? 0 : b[i]));
    return Math.sqrt(s);
  }

  /** One head before and after, with its column sums, as JSON for the numpy check. */
  static void dump(Path dir, String name, KvCache orig, KvCache c, AttentionRecorder rec, Map<String, String> opts, double b, int t) throws Exception {
    Files.createDirectories(dir);
    HeadCache o = orig.head(DUMP_LAYER, DUMP_HEAD), k = c.head(DUMP_LAYER, DUMP_HEAD);
    AttentionStats st = rec.stats(DUMP_LAYER);
    int g = st.groupSize(), d = o.headDim();
    StringBuilder sb = new StringBuilder("{\"name\":\"" + name + "\",\"layer\":" + DUMP_LAYER + ",\"kvHead\":" + DUMP_HEAD + ",\"capacity\":" + Budget.fraction(b).capacity(t) + ",\"options\":{");
    int i = 0;
    for (var e : opts.entrySet()) sb.append(i++ > 0 ? "," : "").append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
    sb.append("},\"columnSums\":[");
    for (int q = 0; q < g; q++) sb.append(q > 0 ? "," : "").append(Arrays.toString(st.columnSums()[DUMP_HEAD * g + q]));
    sb.append("],\"values\":").append(rows(o, null)).append(",\"kept\":").append(Arrays.toString(k.positions())).append(",\"merged\":").append(rows(k, null)).append("}");
    Files.writeString(dir.resolve(name + ".json"), sb.toString());
  }

  static String rows(HeadCache h, int[] only) {
    StringBuilder sb = new StringBuilder("[");
    float[] v = new float[h.headDim()];
    for (int s = 0; s < h.size(); s++) { h.values().get(s, v, 0); sb.append(s > 0 ? "," : "").append(Arrays.toString(v)); }
    return sb.append("]").toString();
  }
}
