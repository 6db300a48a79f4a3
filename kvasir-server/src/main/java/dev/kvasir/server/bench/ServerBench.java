package dev.kvasir.server.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load generator for a running server (not a test): for each concurrency level and each cache
 * mode (full, compressed) it sends a fixed number of chat requests (a long-ish prompt with its
 * own opening line per request, a fixed number of generated tokens via {@code ignore_eos}) from
 * that many clients, and reports throughput, p50/p99 latency and the most sequences decoding at
 * once (sampled from /metrics). Traffic goes only to the given URL (loopback in
 * {@code scripts/bench-server.sh}); every loop is bounded.
 *
 * <pre>
 * java -cp kvasir.jar dev.kvasir.server.bench.ServerBench --url http://127.0.0.1:8080 \
 *      [--concurrency 1,4,16] [--requests 24] [--max-tokens 32] [--prompt-words 300] [--press snapkv --budget 0.35] [--api-key K]
 *      [--caches full,press] [--label NAME]     (--probe: print the prompt's tokens and KV bytes per token, then exit)
 * </pre>
 */
public final class ServerBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Settings(String url, String apiKey, int[] concurrency, int requests, int maxTokens, int promptWords,
                            String press, double budget, List<String> caches, String label, boolean probe) {}

    /** {@code maxDecoding}: most sequences decoding at once, sampled from /metrics every 100 ms. */
    private record Level(String server, String mode, int concurrency, int requests, int failed, double seconds, long generatedTokens,
                         double p50Ms, double p99Ms, double meanMs, long kvCacheBytes, int maxDecoding) {
        double requestsPerSecond() { return (requests - failed) / seconds; }

        double tokensPerSecond() { return generatedTokens / seconds; }
    }

    public static void main(String[] args) throws Exception {
        Settings s = parse(args);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        if (s.probe()) { // prompt tokens and KV bytes per token of the bench prompt, for sizing --max-kv-memory
            JsonNode usage = JSON.readTree(send(http, s, body(prompt(s.promptWords(), 0), 1, null, 0)).body()).get("usage");
            long promptTokens = usage.get("prompt_tokens").asLong();
            System.out.println(promptTokens + " " + usage.get("kv_compression").get("bytes_full").asLong() / promptTokens);
            return;
        }
        send(http, s, body(prompt(s.promptWords(), -1), 4, null, 0)); // warm-up: JIT, connection
        List<Level> levels = new ArrayList<>();
        for (int c : s.concurrency()) {
            for (String cache : s.caches()) {
                if (cache.equals("full")) levels.add(run(http, s, "full", c, i -> body(prompt(s.promptWords(), i), s.maxTokens(), null, 0)));
                else levels.add(run(http, s, s.press() + " " + s.budget(), c,
                        i -> body(prompt(s.promptWords(), i), s.maxTokens(), s.press(), s.budget())));
            }
        }
        print(levels, s);
    }

    @FunctionalInterface
    private interface Bodies {
        String body(int request) throws Exception;
    }

    private static Level run(HttpClient http, Settings s, String mode, int concurrency, Bodies bodies) throws Exception {
        int total = Math.max(s.requests(), concurrency);
        AtomicInteger next = new AtomicInteger();
        double[] latencies = new double[total];
        long[] tokens = new long[total];
        long[] kvBytes = new long[total];
        AtomicInteger failed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        AtomicInteger maxDecoding = new AtomicInteger();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (running.get()) {
                try {
                    maxDecoding.accumulateAndGet(decodingNow(http, s), Math::max);
                } catch (Exception e) {
                    // a slow scrape on a loaded machine: skip this sample
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long t0 = System.nanoTime();
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                clients.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                        long start = System.nanoTime();
                        HttpResponse<String> r = send(http, s, bodies.body(i));
                        latencies[i] = (System.nanoTime() - start) / 1e6;
                        if (r.statusCode() != 200) {
                            failed.incrementAndGet();
                            continue;
                        }
                        JsonNode usage = JSON.readTree(r.body()).get("usage");
                        tokens[i] = usage.get("completion_tokens").asLong();
                        kvBytes[i] = usage.get("kv_cache_bytes").asLong();
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) f.get();
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        running.set(false);
        sampler.join();
        double[] sorted = latencies.clone();
        Arrays.sort(sorted);
        Level l = new Level(s.label(), mode, concurrency, total, failed.get(), seconds, Arrays.stream(tokens).sum(), percentile(sorted, 50),
                percentile(sorted, 99), Arrays.stream(latencies).average().orElse(0), Arrays.stream(kvBytes).max().orElse(0), maxDecoding.get());
        System.err.printf(Locale.ROOT, "  %s %-16s c=%-3d %3d requests in %6.1f s%n", s.label(), mode, concurrency, total, seconds);
        return l;
    }

    /**
     * Sequences decoding now: the batch ({@code kvasir_batch_decoding}) with batching, else the
     * busy slots ({@code kvasir_active_decodes}).
     */
    private static int decodingNow(HttpClient http, Settings s) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create(s.url() + "/metrics")).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double batch = 0, active = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("kvasir_batch_decoding ")) batch = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            if (line.startsWith("kvasir_active_decodes ")) active = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
        }
        boolean batching = text.contains("kvasir_batch_decoding") && text.contains("kvasir_batching 1");
        return (int) (batching ? batch : active);
    }

    private static HttpResponse<String> send(HttpClient http, Settings s, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + "/v1/chat/completions")).timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (s.apiKey() != null) b.header("Authorization", "Bearer " + s.apiKey());
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static String body(String prompt, int maxTokens, String press, double budget) throws Exception {
        ObjectNode b = JSON.createObjectNode();
        b.put("model", "bench");
        ArrayNode messages = b.putArray("messages");
        messages.addObject().put("role", "user").put("content", prompt);
        b.put("max_tokens", maxTokens);
        b.put("temperature", 0);
        b.put("ignore_eos", true); // every request generates exactly max_tokens: comparable runs
        if (press != null) b.putObject("kv_compression").put("method", press).put("budget", budget);
        return JSON.writeValueAsString(b);
    }

    /** The bench prompt; request {@code i} >= 0 gets its own opening line, so no two requests share a prefix. */
    private static String prompt(int words, int i) {
        String[] text = ("The old lighthouse keeper kept a journal of every ship that passed the rocky coast, noting the weather, "
                + "the colour of the sails and the songs the sailors sang as they rounded the point at dusk. ").split(" ");
        StringBuilder sb = new StringBuilder(i >= 0 ? "Log book " + i + ", page " + (i * 7919 % 1000) + ".\n" : "");
        for (int w = 0; w < words; w++) sb.append(text[w % text.length]).append(' ');
        return sb.append("\nWhat did the keeper write about?").toString();
    }

    private static void print(List<Level> levels, Settings s) throws Exception {
        System.out.println("| server | cache | clients | req/s | generated tok/s | p50 ms | p99 ms | KV bytes per request | max decoding at once |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (Level l : levels) {
            System.out.printf(Locale.ROOT, "| %s | %s | %d | %.2f | %.1f | %.0f | %.0f | %,d | %d |%s%n", l.server(), l.mode(), l.concurrency(),
                    l.requestsPerSecond(), l.tokensPerSecond(), l.p50Ms(), l.p99Ms(), l.kvCacheBytes(), l.maxDecoding(),
                    l.failed() > 0 ? "  (" + l.failed() + " failed)" : "");
        }
        ObjectNode json = JSON.createObjectNode();
        json.put("max_tokens", s.maxTokens());
        json.put("prompt_words", s.promptWords());
        json.put("server", s.label());
        ArrayNode rows = json.putArray("levels");
        for (Level l : levels) rows.add(JSON.valueToTree(l));
        System.out.println(JSON.writeValueAsString(json));
    }

    private static Settings parse(String[] args) {
        String url = "http://127.0.0.1:8080", key = null, press = "snapkv", label = "server";
        List<String> caches = List.of("full", "press");
        boolean probe = false;
        int[] conc = {1, 4, 16};
        int requests = 24, maxTokens = 32, words = 300;
        double budget = 0.35;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--url" -> url = v;
                case "--api-key" -> key = v;
                case "--concurrency" -> conc = Arrays.stream(v.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
                case "--requests" -> requests = Integer.parseInt(v);
                case "--max-tokens" -> maxTokens = Integer.parseInt(v);
                case "--prompt-words" -> words = Integer.parseInt(v);
                case "--press" -> press = v;
                case "--budget" -> budget = Double.parseDouble(v);
                case "--caches" -> caches = List.of(v.split(","));
                case "--label" -> label = v;
                case "--probe" -> {
                    probe = true;
                    i--;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (expected --url, --api-key, --concurrency,"
                        + " --requests, --max-tokens, --prompt-words, --press, --budget, --caches full,press, --label L, --probe)");
            }
            i++;
        }
        return new Settings(url.replaceAll("/+$", ""), key, conc, requests, maxTokens, words, press, budget, caches, label, probe);
    }
}
