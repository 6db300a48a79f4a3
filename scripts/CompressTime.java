// Compression time of every press on one 4,096-token prompt, as a share of its prefill, and the KV memory before/after.
// Run: java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp kvasir-cli/target/kvasir.jar scripts/CompressTime.java [haystack-dir]
import dev.kvasir.core.model.*;
import dev.kvasir.core.generate.*;
import dev.kvasir.core.press.*;
import java.nio.file.*;
import java.util.*;
public class CompressTime {
  public static void main(String[] a) throws Exception {
    try (Model m = Model.load(dev.kvasir.core.fetch.ModelCache.defaultModelPath())) {
      StringBuilder hay = new StringBuilder();
      try (var files = Files.list(Path.of(a.length > 0 ? a[0] : "../shared/data/haystack/paul_graham_essays"))) {
        for (Path p : files.sorted().toList()) hay.append(Files.readString(p)).append("\n");
      }
      int[] ids = Arrays.copyOf(m.tokenizer().encode(hay.toString(), false, false), 4096);
      List<String> names = Presses.names();
      Press[] presses = names.stream().map(Presses::create).toArray(Press[]::new);
      try (Generator g = new Generator(m, Generator.Options.defaults().withThreads(2))) {
        Generator.Prefilled pf = g.prefillFor(ids, 4, presses);
        System.out.printf("prefill 4096 tokens: %.0f ms%n", pf.prefillMs());
        GenerationRequest req = GenerationRequest.of(ids, 1, SamplingParams.greedy());
        for (int rep = 0; rep < 2; rep++) for (String n : names) {
          GenerationResult r = g.continueFrom(pf, true, Presses.create(n), Budget.fraction(0.35), req, s -> {});
          if (rep == 1) System.out.printf("| %s | %.1f | %.2f%% | %.3f | %.1f MB of %.1f MB |%n", n, r.kv().compressMillis(), 100 * r.kv().compressMillis() / pf.prefillMs(), r.kv().achievedFraction(), r.kv().allocatedBytesAfter() / 1e6, r.kv().allocatedBytesBefore() / 1e6);
        }
      }
    }
  }
}
