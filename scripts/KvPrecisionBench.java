// Decode speed and KV memory of KV precisions × presses on ONE prefilled context, side by side in one run.
// The prompt (seeded random tokens, as `kvasir bench` uses) is prefilled once in F32 with every press's statistics;
// each configuration compresses its own copy on those F32 statistics, stores it at its precision (as generation
// does after compression), and decodes; configurations alternate round by round and the best round counts.
// Memory: the stores' allocation (KvCache.allocatedBytes) and the JVM's count of the bytes a copy of the cache
// allocates (ThreadMXBean), which must agree.
// Run: java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp kvasir-cli/target/kvasir.jar \
//        scripts/KvPrecisionBench.java [depth=8000] [gen=64] [rounds=3] [threads=2] [configs=snapkv:0.35:f32,snapkv:0.35:q8]
import dev.kvasir.core.kv.*;
import dev.kvasir.core.model.*;
import dev.kvasir.core.press.*;
import dev.kvasir.core.util.Parallel;
import java.lang.management.ManagementFactory;
import java.util.*;

public class KvPrecisionBench {
  public static void main(String[] a) throws Exception {
    int depth = a.length > 0 ? Integer.parseInt(a[0]) : 8000;
    int gen = a.length > 1 ? Integer.parseInt(a[1]) : 64;
    int rounds = a.length > 2 ? Integer.parseInt(a[2]) : 3;
    int threads = a.length > 3 ? Integer.parseInt(a[3]) : 2;
    String[] configs = (a.length > 4 ? a[4] : "snapkv:0.35:f32,snapkv:0.35:q8").split(",");
    try (Model m = Model.load(dev.kvasir.core.fetch.ModelCache.defaultModelPath()); Parallel par = new Parallel(threads)) {
      LlamaModel llama = m.llama();
      ModelConfig c = m.config();
      int vocab = c.vocabularySize();
      SplittableRandom rnd = new SplittableRandom(42);
      int[] tokens = new int[depth + gen + 1];
      for (int i = 0; i < tokens.length; i++) tokens[i] = 1 + rnd.nextInt(Math.min(vocab, 32000) - 1);
      Press[] presses = new Press[configs.length];
      StatsRequest need = StatsRequest.NONE;
      for (int i = 0; i < configs.length; i++) {
        String p = configs[i].split(":")[0];
        presses[i] = p.equals("full") ? null : Presses.parse(p);
        if (presses[i] != null) need = need.union(presses[i].statsRequest(c.layers(), c.heads(), c.kvHeads(), depth));
      }
      InferenceState st = llama.newState(512);
      KvCache prefilled = llama.newCache(KvPrecision.F32, depth + 16);
      AttentionRecorder rec = need.any() ? new AttentionRecorder(need, c.layers(), c.heads(), c.kvHeads(), 0, depth) : null;
      long t0 = System.nanoTime();
      for (int done = 0; done < depth; done += 512) {
        llama.forward(tokens, done, Math.min(512, depth - done), prefilled, st, par, rec == null ? null : rec.offset(done), false);
      }
      System.err.printf("prefilled %d tokens in %.1f s%n", depth, (System.nanoTime() - t0) / 1e9);
      KvCache[] caches = new KvCache[configs.length];
      long[] allocated = new long[configs.length], measured = new long[configs.length];
      String[] labels = new String[configs.length];
      for (int i = 0; i < configs.length; i++) {
        String[] parts = configs[i].split(":");
        KvPrecision precision = KvPrecision.parse(parts[parts.length - 1]);
        KvCache cache = prefilled.copy();
        if (presses[i] != null) presses[i].compressOrSkip(cache, l -> rec == null ? null : rec.stats(l), Budget.fraction(Double.parseDouble(parts[1])));
        cache.storeAs(precision, precision);
        cache.reserve(gen + 1);
        allocated[i] = cache.allocatedBytes();
        measured[i] = allocationOfCopy(cache);
        labels[i] = (presses[i] == null ? "full" : presses[i].label() + " " + parts[1]) + " " + precision.label();
        caches[i] = cache;
      }
      prefilled = null;
      double[][] tps = new double[configs.length][rounds];
      int[][][] marks = new int[configs.length][][];
      for (int i = 0; i < configs.length; i++) marks[i] = caches[i].sizes();
      // warm-up: every configuration's decode path compiled before anything is timed
      for (int i = 0; i < configs.length; i++) {
        for (int t = 0; t < Math.max(gen, 64); t++) llama.forward(tokens, depth + (t % gen), 1, caches[i], st, par, null, false);
        caches[i].truncate(marks[i], depth);
      }
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < configs.length; i++) {
          caches[i].truncate(marks[i], depth);
          long s = System.nanoTime();
          for (int t = 0; t < gen; t++) llama.forward(tokens, depth + t, 1, caches[i], st, par, null, false);
          tps[i][r] = gen / ((System.nanoTime() - s) / 1e9);
        }
      }
      String load = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg"))).trim();
      System.out.printf("%s, %s, %d threads, %d-bit vectors, depth %d, tg%d, best of %d alternating rounds, load average %s%n%n",
          java.time.LocalDate.now(), m.name(), threads, jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), depth, gen, rounds, load);
      System.out.println("| cache | KV MB held (stores) | KV MB (JVM-measured copy) | tg t/s best | t/s rounds | vs first row |");
      System.out.println("|---|---:|---:|---:|---|---:|");
      double first = Arrays.stream(tps[0]).max().orElse(0);
      for (int i = 0; i < configs.length; i++) {
        double best = Arrays.stream(tps[i]).max().orElse(0);
        StringBuilder rs = new StringBuilder();
        for (double v : tps[i]) rs.append(rs.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", v));
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %s | %.2fx |%n", labels[i], allocated[i] / 1e6, measured[i] / 1e6, best, rs, best / first);
      }
    }
  }

  static long allocationOfCopy(KvCache cache) {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    cache.copy();
    long before = mx.getCurrentThreadAllocatedBytes();
    KvCache copy = cache.copy();
    long after = mx.getCurrentThreadAllocatedBytes();
    if (copy.totalSlots() != cache.totalSlots()) throw new AssertionError();
    return after - before;
  }
}
