package dev.kvasir.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.InferenceState;
import dev.kvasir.core.model.LlamaModel;
import dev.kvasir.core.model.AttentionRecorder;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.model.ModelConfig;
import dev.kvasir.core.press.Budget;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.core.press.Press;
import dev.kvasir.core.press.StatsRequest;
import dev.kvasir.core.util.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * A llama-bench-like benchmark: prompt processing (ppN) and token generation (tgN) at several
 * context depths, repeated, reported as mean ± standard deviation of tokens per second.
 * Depth tokens are prefilled before the timed part; the cache is rolled back between
 * repetitions so every repetition starts at the same depth.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measures prefill (pp) and decode (tg) speed at context depths, like llama-bench.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    PressOptions pressOptions;

    @Option(names = {"-p", "--n-prompt"}, defaultValue = "512", description = "Prompt tokens per pp test (default ${DEFAULT-VALUE}).")
    int nPrompt;

    @Option(names = {"-n", "--n-gen"}, defaultValue = "128", description = "Generated tokens per tg test (default ${DEFAULT-VALUE}).")
    int nGen;

    @Option(names = {"-d", "--depths"}, split = ",", defaultValue = "0,2048,4096",
            description = "Context depths (default ${DEFAULT-VALUE}).")
    int[] depths;

    @Option(names = {"-r", "--reps"}, defaultValue = "3", description = "Repetitions (default ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--batch", defaultValue = "128", description = "Prefill chunk size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    record Result(String test, int depth, int nPrompt, int nGen, double tokensPerSecond, double stddev, double[] samples,
                  Map<String, Object> kv) {}

    @Override
    public Integer call() throws Exception {
        if (reps < 1) throw new IllegalArgumentException("--reps must be >= 1");
        try (Model model = modelOptions.load(!json); Parallel par = new Parallel(modelOptions.threads())) {
            LlamaModel llama = model.llama();
            int maxDepth = 0;
            for (int d : depths) {
                if (d < 0) throw new IllegalArgumentException("--depths must be >= 0, got " + d);
                maxDepth = Math.max(maxDepth, d);
            }
            int needed = Math.max(256, maxDepth + Math.max(nPrompt, nGen));
            if (maxDepth + Math.max(nPrompt, nGen) > model.config().contextLength()) {
                throw new IllegalArgumentException("depth " + maxDepth + " + " + Math.max(nPrompt, nGen) + " tokens exceeds the model's context of "
                        + model.config().contextLength());
            }
            KvPrecision precision = modelOptions.kvPrecision(), valuePrecision = modelOptions.kvPrecisionValues();
            InferenceState st = llama.newState(batch);
            SplittableRandom rnd = new SplittableRandom(42);
            int vocab = model.config().vocabularySize();
            int[] tokens = new int[needed];
            for (int i = 0; i < needed; i++) tokens[i] = 1 + rnd.nextInt(Math.min(vocab, 32000) - 1);
            warmUp(llama, tokens, precision, valuePrecision, st, par);

            List<Result> results = new ArrayList<>();
            Press press = pressOptions.press();
            Budget budget = pressOptions.budget();
            for (int depth : depths) {
                // as generation does: a quantised cache is prefilled (and compressed) in F16, then stored quantised
                KvCache cache = llama.newCache(precision.staging(), valuePrecision.staging(), depth + Math.max(nPrompt, nGen) + 16);
                Map<String, Object> kv = new LinkedHashMap<>();
                if (depth > 0) {
                    ModelConfig c = model.config();
                    StatsRequest need = press == null ? StatsRequest.NONE : press.statsRequest(c.layers(), c.heads(), c.kvHeads(), depth);
                    AttentionRecorder rec = need.any() ? new AttentionRecorder(need, c.layers(), c.heads(), c.kvHeads(), 0, depth) : null;
                    long t0 = System.nanoTime();
                    for (int done = 0; done < depth; done += 512) {
                        int n = Math.min(512, depth - done);
                        llama.forward(tokens, done, n, cache, st, par, rec == null ? null : rec.offset(done), false);
                    }
                    double prefillMs = (System.nanoTime() - t0) / 1e6;
                    kv.put("depth_prefill_ms", round(prefillMs));
                    kv.put("bytes_full", cache.usedBytes());
                    kv.put("bytes_allocated_full", cache.allocatedBytes());
                    if (press != null) {
                        CompressionReport r = press.compressOrSkip(cache, l -> rec == null ? null : rec.stats(l), budget);
                        kv.put("method", r.method());
                        kv.put("label", r.label());
                        kv.put("options", r.options());
                        if (r.skipped() != null) kv.put("skipped", r.skipped());
                        if (r.budgetNote() != null) kv.put("budget_note", r.budgetNote());
                        kv.put("budget_requested", r.budgetRequested());
                        kv.put("budget_achieved", JsonReports.round4(r.achievedFraction()));
                        kv.put("compress_ms", round(r.compressMillis()));
                        kv.put("compress_share_of_prefill", JsonReports.round4(r.compressMillis() / prefillMs));
                    }
                    cache.storeAs(precision, valuePrecision);
                    kv.put("precision", cache.precisionLabel());
                    // what the stores hold (keys, values, positions, masses, headroom), beside the logical count
                    kv.put("bytes_kept", cache.allocatedBytes());
                    kv.put("bytes_kept_logical", cache.usedBytes());
                    // the tests' tokens, as the uncompressed cache was sized for them (generate reserves the reply too)
                    cache.reserve(Math.max(nPrompt, nGen) + 16);
                }
                cache.storeAs(precision, valuePrecision); // (depth 0: nothing prefilled, the empty cache as stored)
                // a mark, not slot counts: sliding-window layers (Gemma 3) overwrite their ring as tokens are added;
                // taken after storeAs, so each repetition starts from the cache at the precision it is measured in
                KvCache.Mark mark = cache.mark();
                if (nPrompt > 0) {
                    double[] s = new double[reps];
                    for (int r = 0; r < reps; r++) {
                        cache.restore(mark);
                        long t0 = System.nanoTime();
                        llama.forward(tokens, depth, nPrompt, cache, st, par, null, false);
                        s[r] = nPrompt / ((System.nanoTime() - t0) / 1e9);
                    }
                    results.add(result("pp" + nPrompt, depth, nPrompt, 0, s, kv));
                    if (!json) System.err.println(format(results.getLast()));
                }
                if (nGen > 0) {
                    double[] s = new double[reps];
                    for (int r = 0; r < reps; r++) {
                        cache.restore(mark);
                        long t0 = System.nanoTime();
                        for (int i = 0; i < nGen; i++) llama.forward(tokens, depth + i, 1, cache, st, par, null, false);
                        s[r] = nGen / ((System.nanoTime() - t0) / 1e9);
                    }
                    results.add(result("tg" + nGen, depth, 0, nGen, s, kv));
                    if (!json) System.err.println(format(results.getLast()));
                }
            }
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("model", model.source().toString());
                out.put("model_name", model.name());
                out.put("threads", par.threads());
                out.put("kv_precision", modelOptions.kvPrecisionLabel());
                out.put("reps", reps);
                List<Map<String, Object>> rs = new ArrayList<>();
                for (Result r : results) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("test", r.test());
                    m.put("depth", r.depth());
                    m.put("n_prompt", r.nPrompt());
                    m.put("n_gen", r.nGen());
                    m.put("tokens_per_second", round(r.tokensPerSecond()));
                    m.put("stddev", round(r.stddev()));
                    m.put("samples", r.samples());
                    if (!r.kv().isEmpty()) m.put("kv", r.kv());
                    rs.add(m);
                }
                out.put("results", rs);
                System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
            } else {
                String method = press == null ? "full" : press.label() + " " + budget.describe();
                System.out.printf("%n| model | threads | kv | cache | test | t/s | KV MB |%n|---|---|---|---|---|---|---|%n");
                for (Result r : results) {
                    Object kept = r.kv().get("bytes_kept");
                    System.out.printf("| %s | %d | %s | %s | %s @ d%d | %.2f ± %.2f | %s |%n", model.name(), par.threads(),
                            modelOptions.kvPrecisionLabel(), method, r.test(), r.depth(), r.tokensPerSecond(), r.stddev(),
                            kept == null ? "-" : String.format("%.1f", ((Long) kept) / 1e6));
                }
            }
        }
        return 0;
    }

    /**
     * Lets the JIT finish compiling the prefill and decode paths before anything is timed, as a
     * long-running generator or server would be: a few prefill chunks, then decode steps for
     * {@link #WARM_UP_DECODE_NANOS} (C2 needs a few hundred tokens; measured with 16 warm-up
     * tokens, the first three 128-token runs decoded 15-30% slower than the rest). Like
     * llama-bench's warm-up run, it is not part of any measurement.
     */
    private static void warmUp(LlamaModel llama, int[] tokens, KvPrecision precision, KvPrecision valuePrecision, InferenceState st,
                               Parallel par) {
        int chunk = Math.min(256, tokens.length - 1);
        // decode up to 512 slots per head, past the point where decode attention goes parallel
        // (GroupedDecodeAttention: 1024 slots per layer), so the JIT has seen both paths; with
        // only the short one, the first timed repetition at depth recompiled the decode loop
        int span = Math.min(512, tokens.length - 1);
        KvCache warm = llama.newCache(precision, valuePrecision, Math.max(chunk, span) + 1);
        for (int i = 0; i < 3; i++) {
            warm.truncate(0, 0);
            llama.forward(tokens, 0, chunk, warm, st, par, null, false);
        }
        warm.truncate(0, 0);
        long end = System.nanoTime() + WARM_UP_DECODE_NANOS;
        for (int i = 0; System.nanoTime() < end; i = (i + 1) % span) {
            if (i == 0) warm.truncate(0, 0);
            llama.forward(tokens, i, 1, warm, st, par, null, false);
        }
    }

    private static final long WARM_UP_DECODE_NANOS = 2_500_000_000L;

    private static Result result(String test, int depth, int np, int ng, double[] s, Map<String, Object> kv) {
        double mean = 0;
        for (double v : s) mean += v;
        mean /= s.length;
        double var = 0;
        for (double v : s) var += (v - mean) * (v - mean);
        double sd = s.length > 1 ? Math.sqrt(var / (s.length - 1)) : 0;
        return new Result(test, depth, np, ng, mean, sd, s, kv);
    }

    private static String format(Result r) {
        return String.format("%s @ d%d: %.2f ± %.2f t/s", r.test(), r.depth(), r.tokensPerSecond(), r.stddev());
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
