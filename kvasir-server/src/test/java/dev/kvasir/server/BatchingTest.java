package dev.kvasir.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Continuous batching on a real model: requests that share decode steps (joining and leaving
 * at different times, with their own prompts, sampling parameters, seeds and compression)
 * produce the same text as each one run alone on the same server.
 */
class BatchingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.stories(), TestServer.config().withParallel(8));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String longPrompt(String opening) {
        StringBuilder sb = new StringBuilder(opening);
        for (int i = 0; i < 12; i++) sb.append(" The little dog ran to the park and played with a red ball.");
        return sb.toString();
    }

    /** Greedy and seeded sampling, a full cache, SnapKV (compressed before decoding) and H2O (compressing while decoding). */
    private static List<String> requests() {
        List<String> r = new ArrayList<>();
        r.add("{\"prompt\": \"Once upon a time\", \"max_tokens\": 60, \"temperature\": 0, \"ignore_eos\": true}");
        r.add("{\"prompt\": \"Lily wanted a cat\", \"max_tokens\": 90, \"temperature\": 0.9, \"seed\": 7, \"ignore_eos\": true}");
        r.add("{\"prompt\": \"Tom had a big box\", \"max_tokens\": 40, \"temperature\": 0.8, \"top_p\": 0.9, \"seed\": 42, \"ignore_eos\": true}");
        r.add("{\"prompt\": \"" + longPrompt("The sun was hot.") + "\", \"max_tokens\": 70, \"temperature\": 0, \"ignore_eos\": true,"
                + " \"kv_compression\": {\"method\": \"snapkv\", \"budget\": 0.5}}");
        r.add("{\"prompt\": \"" + longPrompt("A bird sang.") + "\", \"max_tokens\": 50, \"temperature\": 1.0, \"seed\": 3, \"ignore_eos\": true,"
                + " \"kv_compression\": {\"method\": \"h2o\", \"budget\": 0.5}}");
        r.add("{\"prompt\": \"The boy and the girl\", \"max_tokens\": 120, \"temperature\": 0.7, \"seed\": 11, \"stop\": [\"zzz\"], \"ignore_eos\": true}");
        return r;
    }

    private static String text(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("choices").get(0).get("text").asText();
    }

    @Test
    void batchedRequestsGiveTheTextTheyGiveAlone() throws Exception {
        List<String> requests = requests();
        List<String> alone = new ArrayList<>();
        for (String r : requests) alone.add(text(server.post("/v1/completions", r)));

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger mostDecoding = new AtomicInteger();
        Thread watch = Thread.ofPlatform().start(() -> {
            while (running.get()) {
                mostDecoding.accumulateAndGet(server.server.engine().batchDecoding(), Math::max);
                Thread.onSpinWait();
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        try {
            for (int round = 0; round < 2; round++) {
                List<Future<String>> together = new ArrayList<>();
                for (String r : requests) together.add(pool.submit(() -> text(server.post("/v1/completions", r))));
                for (int i = 0; i < requests.size(); i++) {
                    assertThat(together.get(i).get()).as("request %d batched (round %d) vs alone", i, round).isEqualTo(alone.get(i));
                }
            }
        } finally {
            running.set(false);
            watch.join();
            pool.shutdownNow();
        }
        assertThat(mostDecoding.get()).as("sequences that shared a decode step").isGreaterThan(1);
        assertThat(server.server.engine().reservedKvBytes()).isZero();
        assertThat(server.server.engine().liveKvBytes()).isZero();
    }

    @Test
    void streamedBatchedTextEqualsTheWholeAnswer() throws Exception {
        String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 30, \"temperature\": 0.5, \"seed\": 5, \"ignore_eos\": true";
        String whole = text(server.post("/v1/completions", body + "}"));
        HttpResponse<String> streamed = server.post("/v1/completions", body + ", \"stream\": true}");
        StringBuilder sb = new StringBuilder();
        for (String line : streamed.body().split("\n")) {
            if (!line.startsWith("data: {")) continue;
            JsonNode chunk = JSON.readTree(line.substring(6));
            if (chunk.has("choices") && chunk.get("choices").size() > 0) sb.append(chunk.get("choices").get(0).path("text").asText(""));
        }
        assertThat(sb.toString()).isEqualTo(whole);
    }
}
