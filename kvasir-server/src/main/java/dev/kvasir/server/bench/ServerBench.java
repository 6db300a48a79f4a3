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
 * mode (full, compressed) it sends a fixed number of identical chat requests (a long-ish prompt,
 * a fixed number of generated tokens via {@code ignore_eos}) from that many clients, and reports
 * throughput and p50/p99 latency. Traffic goes only to the given URL (loopback in
 * {@code scripts/bench-server.sh}); every loop is bounded.
 *
 * <pre>
 * java -cp kvasir.jar dev.kvasir.server.bench.ServerBench --url http://127.0.0.1:8080 \
 *      [--concurrency 1,4,16] [--requests 24] [--max-tokens 32] [--prompt-words 300] [--press snapkv --budget 0.35] [--api-key K]
 * </pre>
 */
public final class ServerBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Settings(String url, String apiKey, int[] concurrency, int requests, int maxTokens, int promptWords,
                            String press, double budget) {}

    private record Level(String mode, int concurrency, int requests, int failed, double seconds, long generatedTokens,
                         double p50Ms, double p99Ms, double meanMs, long kvCacheBytes) {
        double requestsPerSecond() { return (requests - failed) / seconds; }

        double tokensPerSecond() { return generatedTokens / seconds; }
    }

    public static void main(String[] args) throws Exception {
        Settings s = parse(args);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        String prompt = prompt(s.promptWords());
        send(http, s, body(prompt, 4, null, 0)); // warm-up: JIT, connection
        List<Level> levels = new ArrayList<>();
        for (int c : s.concurrency()) {
            levels.add(run(http, s, "full", c, body(prompt, s.maxTokens(), null, 0)));
            levels.add(run(http, s, s.press() + "@" + s.budget(), c, body(prompt, s.maxTokens(), s.press(), s.budget())));
        }
        print(levels, s);
    }

    private static Level run(HttpClient http, Settings s, String mode, int concurrency, String body) throws Exception {
        int total = Math.max(s.requests(), concurrency);
        AtomicInteger next = new AtomicInteger();
        double[] latencies = new double[total];
        long[] tokens = new long[total];
        long[] kvBytes = new long[total];
        AtomicInteger failed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                clients.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                        long start = System.nanoTime();
                        HttpResponse<String> r = send(http, s, body);
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
        double[] sorted = latencies.clone();
        Arrays.sort(sorted);
        Level l = new Level(mode, concurrency, total, failed.get(), seconds, Arrays.stream(tokens).sum(), percentile(sorted, 50),
                percentile(sorted, 99), Arrays.stream(latencies).average().orElse(0), Arrays.stream(kvBytes).max().orElse(0));
        System.err.printf(Locale.ROOT, "  %-16s c=%-3d %3d requests in %6.1f s%n", mode, concurrency, total, seconds);
        return l;
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

    private static String prompt(int words) {
        String[] text = ("The old lighthouse keeper kept a journal of every ship that passed the rocky coast, noting the weather, "
                + "the colour of the sails and the songs the sailors sang as they rounded the point at dusk. ").split(" ");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) sb.append(text[i % text.length]).append(' ');
        return sb.append("\nWhat did the keeper write about?").toString();
    }

    private static void print(List<Level> levels, Settings s) throws Exception {
        System.out.printf(Locale.ROOT, "%-16s %5s %5s %8s %9s %9s %9s %12s%n", "cache", "conc", "reqs", "req/s", "tok/s", "p50 ms",
                "p99 ms", "KV bytes");
        for (Level l : levels) {
            System.out.printf(Locale.ROOT, "%-16s %5d %5d %8.2f %9.1f %9.0f %9.0f %12d%s%n", l.mode(), l.concurrency(), l.requests(),
                    l.requestsPerSecond(), l.tokensPerSecond(), l.p50Ms(), l.p99Ms(), l.kvCacheBytes(),
                    l.failed() > 0 ? "  (" + l.failed() + " failed)" : "");
        }
        ObjectNode json = JSON.createObjectNode();
        json.put("max_tokens", s.maxTokens());
        json.put("prompt_words", s.promptWords());
        ArrayNode rows = json.putArray("levels");
        for (Level l : levels) rows.add(JSON.valueToTree(l));
        System.out.println(JSON.writeValueAsString(json));
    }

    private static Settings parse(String[] args) {
        String url = "http://127.0.0.1:8080", key = null, press = "snapkv";
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
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected --url, --api-key, --concurrency, --requests, --max-tokens, --prompt-words, --press, --budget)");
            }
            i++;
        }
        return new Settings(url.replaceAll("/+$", ""), key, conc, requests, maxTokens, words, press, budget);
    }
}
