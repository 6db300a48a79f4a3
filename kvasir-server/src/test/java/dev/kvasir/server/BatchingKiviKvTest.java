package dev.kvasir.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvasir.core.kv.KvPrecision;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batching server with a KIVI (kivi2) KV cache: prefilled and compressed in F16, stored as
 * KIVI once, decoded in batched steps that read the codes; batched requests give the text they
 * give alone, and usage names the precision and the bytes the cache held at the end.
 */
class BatchingKiviKvTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.stories(), TestServer.config().withParallel(3).withKvPrecision(KvPrecision.KIVI2));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void kiviBatchedRequestsGiveTheirAloneTextAndReportTheirPrecisionAndBytes() throws Exception {
        String filler = " The little dog ran to the park and played with a red ball.".repeat(10);
        List<String> requests = List.of(
                "{\"prompt\": \"Once upon a time\", \"max_tokens\": 40, \"temperature\": 0, \"ignore_eos\": true}",
                "{\"prompt\": \"Tom had a big box." + filler + "\", \"max_tokens\": 40, \"temperature\": 0, \"ignore_eos\": true,"
                        + " \"kv_compression\": {\"method\": \"snapkv\", \"budget\": 0.5}}");
        List<JsonNode> alone = new ArrayList<>();
        for (String r : requests) alone.add(body(r));
        for (JsonNode a : alone) {
            assertThat(a.at("/usage/kv_cache_precision").asText()).isEqualTo("kivi2");
            assertThat(a.at("/usage/kv_cache_bytes").asLong()).isPositive();
        }
        // the compressed long prompt holds more slots than the short one: its bytes say so
        assertThat(alone.get(1).at("/usage/kv_cache_bytes").asLong()).isGreaterThan(alone.get(0).at("/usage/kv_cache_bytes").asLong());

        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        try {
            List<Future<JsonNode>> together = new ArrayList<>();
            for (String r : requests) together.add(pool.submit(() -> body(r)));
            for (int i = 0; i < requests.size(); i++) {
                JsonNode t = together.get(i).get();
                assertThat(text(t)).as("request %d batched vs alone", i).isEqualTo(text(alone.get(i)));
                assertThat(t.at("/usage/kv_cache_bytes").asLong()).isEqualTo(alone.get(i).at("/usage/kv_cache_bytes").asLong());
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.server.engine().reservedKvBytes()).isZero();
    }

    private static JsonNode body(String request) throws Exception {
        var r = server.post("/v1/completions", request);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String text(JsonNode body) {
        return body.get("choices").get(0).get("text").asText();
    }
}
